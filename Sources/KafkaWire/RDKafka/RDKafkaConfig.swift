import CLibrdkafka

/// Builds an `rd_kafka_conf_t` from properties, naming the property librdkafka rejects.
enum RDKafkaConfig {
    /// Creates a configuration object. The caller owns it until `rd_kafka_new` succeeds.
    static func make(_ properties: [(key: String, value: String)]) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let detail = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw KafkaError(code: .configuration, reason: "librdkafka property '\(key)': \(detail)")
            }
        }
        return conf
    }

    /// Every property of a configuration as librdkafka itself reports it (`rd_kafka_conf_dump`),
    /// with the default topic configuration's (`acks`, `message.timeout.ms`, …) merged in.
    static func dump(_ conf: OpaquePointer) -> [String: String] {
        var result: [String: String] = [:]
        var count = 0
        if let array = rd_kafka_conf_dump(conf, &count) {
            collect(array, count, into: &result)
            rd_kafka_conf_dump_free(array, count)
        }
        if let topicConf = rd_kafka_conf_get_default_topic_conf(conf), let array = rd_kafka_topic_conf_dump(topicConf, &count) {
            var topicProperties: [String: String] = [:]
            collect(array, count, into: &topicProperties)
            rd_kafka_conf_dump_free(array, count)
            // A topic-level value of "inherit" defers to the global one (compression.codec).
            result.merge(topicProperties) { global, topic in topic == "inherit" ? global : topic }
        }
        return result
    }

    private static func collect(
        _ array: UnsafeMutablePointer<UnsafePointer<CChar>?>,
        _ count: Int,
        into result: inout [String: String]
    ) {
        var index = 0
        while index + 1 < count {
            if let key = array[index], let value = array[index + 1] {
                result[String(cString: key)] = String(cString: value)
            }
            index += 2
        }
    }
}
