#ifndef SENSOR_GATEWAY_DECODE_BASELINE_C_H
#define SENSOR_GATEWAY_DECODE_BASELINE_C_H
#include <stddef.h>

/// Decodes `data` with msgpack-c's msgpack_unpack_next `iterations` times (the same call EventModel makes,
/// without building Swift values) and returns the elapsed wall time in seconds, or -1 on a decode error.
double decode_baseline_seconds(const unsigned char *data, size_t length, long iterations);
#endif
