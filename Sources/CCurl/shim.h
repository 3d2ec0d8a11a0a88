#ifndef ARTIFACTFS_CCURL_SHIM_H
#define ARTIFACTFS_CCURL_SHIM_H

#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call:
   one fixed-signature wrapper per argument type. */

/** The signature of CURLOPT_WRITEFUNCTION, CURLOPT_READFUNCTION and CURLOPT_HEADERFUNCTION. */
typedef size_t (*afs_curl_io_callback)(char *buffer, size_t size, size_t count, void *userdata);

/** curl_easy_setopt with a long argument (flags, sizes, timeouts). */
static inline CURLcode afs_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/** curl_easy_setopt with a curl_off_t argument (the *_LARGE options). */
static inline CURLcode afs_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/** curl_easy_setopt with a string argument (libcurl copies it). */
static inline CURLcode afs_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/** curl_easy_setopt with a pointer argument (userdata, header lists, error buffers). */
static inline CURLcode afs_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/** curl_easy_setopt with a data callback. */
static inline CURLcode afs_curl_setopt_io_callback(CURL *handle, CURLoption option, afs_curl_io_callback value) {
    return curl_easy_setopt(handle, option, value);
}

/** curl_easy_getinfo for a long result (the response code). */
static inline CURLcode afs_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
