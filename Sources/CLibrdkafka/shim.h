// The only C the project adds: helpers that Swift cannot express directly.
#ifndef MALOMO_CLIBRDKAFKA_SHIM_H
#define MALOMO_CLIBRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// Produces one message through `rd_kafka_produceva` (the variadic `rd_kafka_producev`
/// cannot be called from Swift). On success librdkafka owns `headers`; on failure the
/// caller still owns them. The value and key are copied (RD_KAFKA_MSG_F_COPY). A
/// `timestamp_ms` of 0 lets librdkafka stamp the record with the time it was produced.
static inline rd_kafka_resp_err_t malomo_produce(rd_kafka_t *rk,
                                                 const char *topic,
                                                 const void *key,
                                                 size_t key_len,
                                                 const void *value,
                                                 size_t value_len,
                                                 rd_kafka_headers_t *headers,
                                                 int64_t timestamp_ms,
                                                 void *opaque) {
        rd_kafka_vu_t vus[7];
        size_t count = 0;
        vus[count].vtype = RD_KAFKA_VTYPE_TOPIC;
        vus[count++].u.cstr = topic;
        vus[count].vtype = RD_KAFKA_VTYPE_VALUE;
        vus[count].u.mem.ptr = (void *)value;
        vus[count++].u.mem.size = value_len;
        if (key != NULL) {
                vus[count].vtype = RD_KAFKA_VTYPE_KEY;
                vus[count].u.mem.ptr = (void *)key;
                vus[count++].u.mem.size = key_len;
        }
        if (headers != NULL) {
                vus[count].vtype = RD_KAFKA_VTYPE_HEADERS;
                vus[count++].u.headers = headers;
        }
        if (timestamp_ms != 0) {
                vus[count].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
                vus[count++].u.i64 = timestamp_ms;
        }
        vus[count].vtype = RD_KAFKA_VTYPE_OPAQUE;
        vus[count++].u.ptr = opaque;
        vus[count].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        vus[count++].u.i = RD_KAFKA_MSG_F_COPY;
        rd_kafka_error_t *error = rd_kafka_produceva(rk, vus, count);
        if (error == NULL) {
                return RD_KAFKA_RESP_ERR_NO_ERROR;
        }
        rd_kafka_resp_err_t code = rd_kafka_error_code(error);
        rd_kafka_error_destroy(error);
        return code;
}

#endif
