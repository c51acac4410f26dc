/// libjq (Debian's jq 1.6) plus helpers that keep `jv` reference counting and the error callback in C.
#ifndef SENSOR_GATEWAY_CJQ_H
#define SENSOR_GATEWAY_CJQ_H

#include <stddef.h>
#include <jq.h>
#include <jv.h>

/// What `cjq_first` produced.
typedef enum cjq_status {
    /// `*output` is the first output, as JSON text.
    CJQ_OUTPUT = 0,
    /// `*output` is the program's error message.
    CJQ_ERROR = 1,
    /// The program produced no output.
    CJQ_EMPTY = 2,
    /// The input is not JSON text; `*output` is the parser's message.
    CJQ_INVALID_INPUT = 3,
    /// The first output's JSON text is longer than the limit.
    CJQ_TOO_LARGE = 4,
} cjq_status;

/// Compiles `program` into `jq` with no library search path and a silent `debug`. Returns nonzero on success;
/// otherwise `*error` is the compiler's messages, malloc'ed (free with `cjq_free`).
int cjq_compile(jq_state *jq, const char *program, char **error);

/// Runs the compiled program on `length` bytes of JSON text and returns its first output (malloc'ed in
/// `*output`, free with `cjq_free`), or an error or message as the status says.
cjq_status cjq_first(jq_state *jq, const char *input, size_t length, size_t max_output, char **output,
                     size_t *output_length);

/// Frees what the helpers returned.
void cjq_free(void *pointer);

#endif
