#include "CJQ.h"

#include <stdlib.h>
#include <string.h>

static char *cjq_copy(const char *text, size_t length) {
    char *copy = malloc(length + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

/// Takes `text` (a jv string) and returns a malloc'ed copy of it.
static char *cjq_take_string(jv text, size_t *length) {
    size_t size = (size_t)jv_string_length_bytes(jv_copy(text));
    char *copy = cjq_copy(jv_string_value(text), size);
    jv_free(text);
    if (length != NULL) *length = size;
    return copy;
}

/// Collects compile errors, joined by newlines, instead of printing them.
static void cjq_collect_error(void *context, jv message) {
    char **collected = context;
    jv formatted = jq_format_error(message);
    size_t length = 0;
    char *text = cjq_take_string(formatted, &length);
    if (text == NULL) return;
    size_t previous = *collected == NULL ? 0 : strlen(*collected);
    char *joined = realloc(*collected, previous + length + 2);
    if (joined == NULL) {
        free(text);
        return;
    }
    if (previous > 0) joined[previous++] = '\n';
    memcpy(joined + previous, text, length + 1);
    *collected = joined;
    free(text);
}

static void cjq_ignore(void *context, jv message) {
    (void)context;
    jv_free(message);
}

int cjq_compile(jq_state *jq, const char *program, char **error) {
    *error = NULL;
    jq_set_error_cb(jq, cjq_collect_error, error);
    jq_set_debug_cb(jq, cjq_ignore, NULL);
    int compiled = jq_compile(jq, program);
    jq_set_error_cb(jq, cjq_ignore, NULL);
    if (!compiled && *error == NULL) *error = cjq_copy("compile error", strlen("compile error"));
    return compiled;
}

cjq_status cjq_first(jq_state *jq, const char *input, size_t length, size_t max_output, char **output,
                     size_t *output_length) {
    *output = NULL;
    *output_length = 0;
    jv value = jv_parse_sized(input, (int)length);
    if (!jv_is_valid(value)) {
        jv message = jv_invalid_get_msg(value);
        if (jv_get_kind(message) == JV_KIND_STRING) {
            *output = cjq_take_string(message, output_length);
        } else {
            jv_free(message);
        }
        return CJQ_INVALID_INPUT;
    }
    jq_start(jq, value, 0);
    jv result = jq_next(jq);
    if (jv_is_valid(result)) {
        jv text = jv_dump_string(result, 0);
        if ((size_t)jv_string_length_bytes(jv_copy(text)) > max_output) {
            jv_free(text);
            return CJQ_TOO_LARGE;
        }
        *output = cjq_take_string(text, output_length);
        return CJQ_OUTPUT;
    }
    if (!jv_invalid_has_msg(jv_copy(result))) {
        jv_free(result);
        if (!jq_halted(jq)) return CJQ_EMPTY;
        *output = cjq_copy("jq program halted", strlen("jq program halted"));
        *output_length = *output == NULL ? 0 : strlen(*output);
        return CJQ_ERROR;
    }
    jv message = jv_invalid_get_msg(result);
    if (jv_get_kind(message) != JV_KIND_STRING) message = jv_dump_string(message, 0);
    *output = cjq_take_string(message, output_length);
    return CJQ_ERROR;
}

void cjq_free(void *pointer) { free(pointer); }
