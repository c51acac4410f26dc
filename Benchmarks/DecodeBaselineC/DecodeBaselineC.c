#include "DecodeBaselineC.h"
#include <msgpack.h>
#include <time.h>

double decode_baseline_seconds(const unsigned char *data, size_t length, long iterations) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    for (long i = 0; i < iterations; i++) {
        size_t offset = 0;
        if (msgpack_unpack_next(&unpacked, (const char *)data, length, &offset) != MSGPACK_UNPACK_SUCCESS) {
            msgpack_unpacked_destroy(&unpacked);
            return -1;
        }
    }
    msgpack_unpacked_destroy(&unpacked);
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
}
