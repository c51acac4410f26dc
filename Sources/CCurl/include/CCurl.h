/// Typed, non-variadic wrappers around libcurl's variadic option and info functions.
///
/// `curl_easy_setopt`, `curl_easy_getinfo` and `curl_multi_setopt` take a C variadic argument
/// whose type depends on the option; Swift cannot call C variadics. Each wrapper below fixes the
/// argument type, so Swift calls the one matching the option's documented type.
#ifndef SENSOR_GATEWAY_CCURL_H
#define SENSOR_GATEWAY_CCURL_H

#include <curl/curl.h>

/// Signature of CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION callbacks.
typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *context);

/// Sets an option whose argument is a `long` (e.g. CURLOPT_TIMEOUT_MS, CURLOPT_SSL_VERIFYPEER).
CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value);
/// Sets an option whose argument is a `curl_off_t` (e.g. CURLOPT_POSTFIELDSIZE_LARGE).
CURLcode ccurl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
/// Sets an option whose argument is a C string; libcurl copies it (e.g. CURLOPT_URL, CURLOPT_CAINFO).
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
/// Sets an option whose argument is an opaque pointer kept by libcurl (e.g. CURLOPT_WRITEDATA, CURLOPT_PRIVATE).
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
/// Sets an option whose argument is a header or string list (e.g. CURLOPT_HTTPHEADER).
CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
/// Sets a blob option from memory, copied by libcurl (CURL_BLOB_COPY), so `data` need not outlive the call
/// (e.g. CURLOPT_CAINFO_BLOB, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB).
CURLcode ccurl_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length);
/// Sets a data callback option (CURLOPT_WRITEFUNCTION, CURLOPT_HEADERFUNCTION).
CURLcode ccurl_easy_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback callback);

/// Reads an info whose result is a `long` (e.g. CURLINFO_RESPONSE_CODE).
CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
/// Reads an info whose result is a `double` (e.g. CURLINFO_TOTAL_TIME).
CURLcode ccurl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
/// Reads an info whose result is a `curl_off_t` (e.g. CURLINFO_TOTAL_TIME_T).
CURLcode ccurl_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value);
/// Reads an info whose result is a C string owned by the handle (e.g. CURLINFO_EFFECTIVE_URL).
CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);
/// Reads an info whose result is a pointer (e.g. CURLINFO_PRIVATE).
CURLcode ccurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

/// Sets a multi-handle option whose argument is a `long` (e.g. CURLMOPT_MAX_HOST_CONNECTIONS).
CURLMcode ccurl_multi_setopt_long(CURLM *handle, CURLMoption option, long value);

#endif
