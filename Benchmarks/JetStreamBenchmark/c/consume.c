// The C baseline of the JetStream consume benchmark: the same loop as the Swift benchmark, straight on libnats.
// Fetch a batch from a durable pull consumer, decode each payload with msgpack_unpack_next (unless told not to),
// ack it.
//
// usage: jetstream-consume-c <url> <stream> <durable> <batch> <count> decode|no-decode
// prints: <count> <seconds> <messages per second>
#include <nats/nats.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int fail(const char *what, natsStatus s) {
    fprintf(stderr, "jetstream-consume-c: %s: %s (%s)\n", what, natsStatus_GetText(s), nats_GetLastError(NULL));
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s <url> <stream> <durable> <batch> <count> decode|no-decode\n", argv[0]);
        return 2;
    }
    bool decode = strcmp(argv[6], "decode") == 0;
    const char *url = argv[1], *stream = argv[2], *durable = argv[3];
    int batch = atoi(argv[4]);
    long count = atol(argv[5]);

    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    natsSubscription *sub = NULL;
    jsErrCode jerr = 0;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK) s = natsOptions_SetSendAsap(opts, true);
    if (s == NATS_OK) s = natsConnection_Connect(&nc, opts);
    if (s != NATS_OK) return fail("connect", s);
    s = natsConnection_JetStream(&js, nc, NULL);
    if (s != NATS_OK) return fail("jetstream", s);

    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream;
    so.Consumer = durable;
    so.ManualAck = true;
    s = js_PullSubscribe(&sub, js, ">", durable, NULL, &so, &jerr);
    if (s != NATS_OK) return fail("pull subscribe", s);

    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    long received = 0, decodedObjects = 0;
    double start = now_seconds();
    while (received < count) {
        natsMsgList list = {0};
        jsFetchRequest req;
        jsFetchRequest_Init(&req);
        req.Batch = batch;
        req.Expires = 1000LL * 1000 * 1000;
        s = natsSubscription_FetchRequest(&list, sub, &req);
        if (s == NATS_TIMEOUT) continue;
        if (s != NATS_OK) return fail("fetch", s);
        for (int i = 0; i < list.Count; i++) {
            natsMsg *msg = list.Msgs[i];
            size_t offset = 0;
            if (decode) {
                if (msgpack_unpack_next(&unpacked, natsMsg_GetData(msg), (size_t) natsMsg_GetDataLength(msg), &offset)
                    != MSGPACK_UNPACK_SUCCESS) {
                    fprintf(stderr, "jetstream-consume-c: a payload is not MessagePack\n");
                    return 1;
                }
                decodedObjects += unpacked.data.type == MSGPACK_OBJECT_MAP ? unpacked.data.via.map.size : 0;
            } else {
                decodedObjects += natsMsg_GetDataLength(msg) > 0 ? 5 : 0;
            }
            s = natsMsg_Ack(msg, NULL);
            if (s != NATS_OK) return fail("ack", s);
            received++;
        }
        natsMsgList_Destroy(&list);
    }
    double seconds = now_seconds() - start;
    msgpack_unpacked_destroy(&unpacked);
    natsConnection_Flush(nc);
    printf("%ld %.6f %.0f %ld\n", received, seconds, (double) received / seconds, decodedObjects);

    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    return 0;
}
