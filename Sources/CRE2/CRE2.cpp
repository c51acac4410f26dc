// The C shim over RE2's C++ API declared in include/CRE2.h.
#include "CRE2.h"

#include <re2/re2.h>

#include <cstdio>
#include <new>

struct cre2_regex {
    explicit cre2_regex(const re2::StringPiece &pattern, const RE2::Options &options) : regex(pattern, options) {}
    RE2 regex;
};

static void cre2_write_error(const char *message, char *error, size_t error_capacity) {
    if (error != nullptr && error_capacity > 0) {
        std::snprintf(error, error_capacity, "%s", message);
    }
}

extern "C" cre2_regex *cre2_compile(
    const char *pattern, size_t length, int64_t max_memory, char *error, size_t error_capacity) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_encoding(RE2::Options::EncodingUTF8);
    // Perl syntax (posix_syntax false): Perl classes and `\b` are ASCII only, as in Go; `^`/`$` match at the ends
    // of the text unless `(?m)`; `.` matches no newline unless `(?s)`.
    options.set_posix_syntax(false);
    options.set_longest_match(false);
    options.set_max_mem(max_memory);
    cre2_regex *compiled = nullptr;
    try {
        compiled = new cre2_regex(re2::StringPiece(pattern, length), options);
    } catch (const std::bad_alloc &) {
        cre2_write_error("out of memory", error, error_capacity);
        return nullptr;
    }
    if (!compiled->regex.ok()) {
        cre2_write_error(compiled->regex.error().c_str(), error, error_capacity);
        delete compiled;
        return nullptr;
    }
    return compiled;
}

extern "C" bool cre2_match(const cre2_regex *regex, const char *text, size_t length) {
    return regex->regex.Match(re2::StringPiece(text, length), 0, length, RE2::UNANCHORED, nullptr, 0);
}

extern "C" bool cre2_find(const cre2_regex *regex, const char *text, size_t length, size_t start,
    size_t *match_start, size_t *match_end) {
    re2::StringPiece whole(text, length);
    re2::StringPiece match;
    if (start > length || !regex->regex.Match(whole, start, length, RE2::UNANCHORED, &match, 1)) {
        return false;
    }
    *match_start = static_cast<size_t>(match.data() - text);
    *match_end = *match_start + match.size();
    return true;
}

extern "C" void cre2_free(cre2_regex *regex) { delete regex; }
