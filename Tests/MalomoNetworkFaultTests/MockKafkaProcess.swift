import Foundation

/// `malomo-mock-kafka` in a process of its own (as in production the brokers are not in the
/// bridge's process), with the cluster's metadata and records read through `kcat`.
final class MockKafkaProcess: Sendable {
    let process: Process
    /// `host:port` of each broker, by broker id.
    let brokers: [Int: String]
    let bootstrapServers: String

    /// The directory of the release binaries the process-level suites run
    /// (`MALOMO_RELEASE_BIN_DIR`, set by scripts/check-network-faults).
    static func releaseBinary(_ name: String) throws -> String {
        guard let directory = ProcessInfo.processInfo.environment["MALOMO_RELEASE_BIN_DIR"] else {
            throw NetworkNamespace.Failure(description: "MALOMO_RELEASE_BIN_DIR is not set: run scripts/check-network-faults")
        }
        let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw NetworkNamespace.Failure(description: "\(path) is not built")
        }
        return path
    }

    init(brokerCount: Int, partitions: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.releaseBinary("malomo-mock-kafka"))
        process.arguments = ["--brokers", "\(brokerCount)", "--partitions", "\(partitions)"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        while !line.contains(10) {
            let data = stdout.fileHandleForReading.availableData
            if data.isEmpty { break }
            line += data
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("bootstrap.servers=") else {
            process.terminate()
            throw NetworkNamespace.Failure(description: "malomo-mock-kafka printed '\(text)'")
        }
        self.process = process
        self.bootstrapServers = String(text.dropFirst("bootstrap.servers=".count))
        do {
            self.brokers = try Self.metadata(bootstrapServers: self.bootstrapServers, topic: nil).brokers
        } catch {
            process.terminate()
            throw error
        }
    }

    /// Broker addresses and each partition's leader, as the cluster reports them.
    struct Metadata {
        var brokers: [Int: String] = [:]
        var leaders: [Int: Int] = [:]
    }

    static func metadata(bootstrapServers: String, topic: String?) throws -> Metadata {
        let result = try Self.kcat(["-L", "-J", "-b", bootstrapServers] + (topic.map { ["-t", $0] } ?? []))
        guard result.status == 0, let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw NetworkNamespace.Failure(description: "kcat -L: \(result.stderr)")
        }
        var metadata = Metadata()
        for broker in object["brokers"] as? [[String: Any]] ?? [] {
            if let id = broker["id"] as? Int, let name = broker["name"] as? String { metadata.brokers[id] = name }
        }
        for entry in object["topics"] as? [[String: Any]] ?? [] where entry["topic"] as? String == topic {
            for partition in entry["partitions"] as? [[String: Any]] ?? [] {
                if let id = partition["partition"] as? Int, let leader = partition["leader"] as? Int { metadata.leaders[id] = leader }
            }
        }
        return metadata
    }

    /// `kcat` with a minute to finish (a partition whose leader never answers would keep
    /// `-e` from ever reaching its end).
    static func kcat(_ arguments: [String]) throws -> Command.Result {
        let result = try Command.run("/usr/bin/timeout", ["60", "/usr/bin/kcat"] + arguments)
        if result.status == 124 { throw NetworkNamespace.Failure(description: "kcat \(arguments.joined(separator: " ")) took over 60 s") }
        return result
    }

    func leaders(of topic: String) throws -> [Int: Int] {
        try Self.metadata(bootstrapServers: self.bootstrapServers, topic: topic).leaders
    }

    /// The port broker `id` listens on.
    func port(ofBroker id: Int) throws -> Int {
        guard let address = self.brokers[id], let port = address.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw NetworkNamespace.Failure(description: "no broker \(id) in \(self.brokers)")
        }
        return port
    }

    /// Every record of `topic`: its key (the webhook body's id), partition and offset. Throws
    /// when a partition no longer starts at offset 0: librdkafka's mock broker keeps at most
    /// 5 MiB per partition and drops the oldest batches beyond that, which a check of "every
    /// 202 is in Kafka" must not mistake for a loss (or miss).
    func records(of topic: String) throws -> [(key: String, partition: Int, offset: Int)] {
        let result = try Self.kcat(["-C", "-b", self.bootstrapServers, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\t%p\t%o\n"])
        guard result.status == 0 else { throw NetworkNamespace.Failure(description: "kcat -C: \(result.stderr)") }
        let records: [(key: String, partition: Int, offset: Int)] = result.stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, let partition = Int(fields[1]), let offset = Int(fields[2]) else { return nil }
            return (String(fields[0]), partition, offset)
        }
        var first: [Int: Int] = [:]
        for record in records { first[record.partition] = min(first[record.partition] ?? record.offset, record.offset) }
        if let evicted = first.first(where: { $0.value != 0 }) {
            throw NetworkNamespace.Failure(
                description: "\(topic)[\(evicted.key)] starts at offset \(evicted.value): the mock broker evicted records past its 5 MiB "
                    + "per-partition cap; spread the load over more partitions or send less"
            )
        }
        return records
    }

    deinit {
        if self.process.isRunning {
            self.process.terminate()
            self.process.waitUntilExit()
        }
    }
}
