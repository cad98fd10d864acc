/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "s3-client.h"

#include <curl/curl.h>
#include <gio/gio.h>
#include <openssl/evp.h>
#include <string.h>

#include "build-config.h"
#include "log.h"

G_DEFINE_QUARK(coroner-s3-error-quark, s3_error)

/* Error bodies are small; anything longer is cut (only for the message). */
#define RESPONSE_MAX (64u << 10)

struct S3Client {
    S3Options options;
    char *endpoint;   /* without a trailing "/" */
    char *sigv4;      /* "aws:amz:REGION:s3" */
    CURL *curl;
};

typedef struct {
    const guint8 *data;
    gsize length;
    gsize offset;
} Body;

typedef struct {
    GString *body;
    char *etag;
} Response;

static size_t read_body(char *buffer, size_t size, size_t count, void *user_data)
{
    Body *b = user_data;
    size_t n = MIN(size * count, b->length - b->offset);
    memcpy(buffer, b->data + b->offset, n);
    b->offset += n;
    return n;
}

/* Rewinding lets libcurl send the body again (after a redirect or a 100-continue refusal). */
static int seek_body(void *user_data, curl_off_t offset, int origin)
{
    Body *b = user_data;
    if (origin != SEEK_SET || offset < 0 || (gsize)offset > b->length)
        return CURL_SEEKFUNC_FAIL;
    b->offset = (gsize)offset;
    return CURL_SEEKFUNC_OK;
}

static size_t write_response(char *data, size_t size, size_t count, void *user_data)
{
    Response *r = user_data;
    size_t n = size * count;
    if (r->body->len < RESPONSE_MAX)
        g_string_append_len(r->body, data, (gssize)MIN(n, RESPONSE_MAX - r->body->len));
    return n;
}

static size_t header_response(char *data, size_t size, size_t count, void *user_data)
{
    Response *r = user_data;
    size_t n = size * count;
    if (n > 5 && g_ascii_strncasecmp(data, "etag:", 5) == 0) {
        g_autofree char *value = g_strndup(data + 5, n - 5);
        g_free(r->etag);
        r->etag = g_strdup(g_strstrip(value));
    }
    return n;
}

static void sha256_hex(const void *data, gsize length, char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, length, digest, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        g_snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* The text of <Tag>…</Tag> in an S3 XML answer, or NULL. */
static char *xml_value(const char *xml, const char *tag)
{
    g_autofree char *open = g_strdup_printf("<%s>", tag);
    g_autofree char *close = g_strdup_printf("</%s>", tag);
    const char *start = xml ? strstr(xml, open) : NULL;
    if (!start)
        return NULL;
    start += strlen(open);
    const char *end = strstr(start, close);
    return end ? g_strndup(start, (gsize)(end - start)) : NULL;
}

S3Client *s3_client_new(const S3Options *o, GError **error)
{
    if (!o->endpoint || !o->bucket || !o->access_key_id || !o->secret_access_key) {
        g_set_error(error, S3_ERROR, S3_ERROR_REFUSED,
                    "Endpoint=, Bucket=, AccessKeyId= and SecretAccessKeyFile= must all be set");
        return NULL;
    }
    if (!g_str_has_prefix(o->endpoint, "https://") && !g_str_has_prefix(o->endpoint, "http://")) {
        g_set_error(error, S3_ERROR, S3_ERROR_REFUSED,
                    "Endpoint=%s: not an http:// or https:// URL", o->endpoint);
        return NULL;
    }
    static gsize curl_ready = 0;
    if (g_once_init_enter(&curl_ready)) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        g_once_init_leave(&curl_ready, 1);
    }
    S3Client *c = g_new0(S3Client, 1);
    /* Copies: the caller wipes its copy of the secret. */
    c->options = *o;
    c->options.bucket = g_strdup(o->bucket);
    c->options.region = g_strdup(o->region);
    c->options.access_key_id = g_strdup(o->access_key_id);
    c->options.secret_access_key = g_strdup(o->secret_access_key);
    c->options.endpoint = NULL;
    c->options.attempts = MAX(o->attempts, 1u);
    c->endpoint = g_strdup(o->endpoint);
    while (g_str_has_suffix(c->endpoint, "/"))
        c->endpoint[strlen(c->endpoint) - 1] = '\0';
    c->sigv4 = g_strdup_printf("aws:amz:%s:s3", o->region ? o->region : "us-east-1");
    c->curl = curl_easy_init();
    return c;
}

void s3_client_free(S3Client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    g_free(c->endpoint);
    g_free(c->sigv4);
    g_free((char *)c->options.bucket);
    g_free((char *)c->options.region);
    g_free((char *)c->options.access_key_id);
    if (c->options.secret_access_key) {
        explicit_bzero((char *)c->options.secret_access_key, strlen(c->options.secret_access_key));
        g_free((char *)c->options.secret_access_key);
    }
    g_free(c);
}

char *s3_client_object_url(S3Client *c, const char *key)
{
    if (c->options.path_style)
        return g_strdup_printf("%s/%s/%s", c->endpoint, c->options.bucket, key);
    /* Virtual-hosted style: the bucket is part of the host name. */
    const char *host = strstr(c->endpoint, "://") + 3;
    g_autofree char *scheme = g_strndup(c->endpoint, (gsize)(host - c->endpoint));
    return g_strdup_printf("%s%s.%s/%s", scheme, c->options.bucket, host, key);
}

typedef struct {
    const char *method;        /* PUT, POST, DELETE */
    const char *key;
    const char *query;         /* already in canonical form (sorted, encoded), or NULL */
    const void *body;
    gsize length;
    const char *content_type;
} Request;

static gboolean transient_status(long status)
{
    return status >= 500 || status == 429 || status == 408;
}

/* One attempt; *ret_transient says whether another may succeed. */
static gboolean perform_once(S3Client *c, const Request *req, Response *resp,
                             gboolean *ret_transient, GError **error)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    g_autofree char *object_url = s3_client_object_url(c, req->key);
    g_autofree char *url = req->query ? g_strdup_printf("%s?%s", object_url, req->query)
                                      : g_strdup(object_url);
    char payload_hash[65];
    sha256_hex(req->body ? req->body : "", req->length, payload_hash);
    g_autofree char *hash_header = g_strdup_printf("x-amz-content-sha256: %s", payload_hash);
    struct curl_slist *headers = curl_slist_append(NULL, hash_header);
    if (req->content_type) {
        g_autofree char *ct = g_strdup_printf("Content-Type: %s", req->content_type);
        headers = curl_slist_append(headers, ct);
    }

    Body body = {.data = req->body, .length = req->length};
    curl_easy_setopt(h, CURLOPT_URL, url);
    /* CORONER_UPLOAD_DEBUG=1 shows every request and answer header on stderr. */
    if (g_strcmp0(g_getenv("CORONER_UPLOAD_DEBUG"), "1") == 0)
        curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, c->sigv4);
    curl_easy_setopt(h, CURLOPT_USERNAME, c->options.access_key_id);
    curl_easy_setopt(h, CURLOPT_PASSWORD, c->options.secret_access_key);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "coroner-upload/" CORONER_VERSION);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
    /* A stalled connection (no byte for a minute) is a failure to retry, not a hang. */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_response);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_response);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
    if (strcmp(req->method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
        curl_easy_setopt(h, CURLOPT_READDATA, &body);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_body);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, &body);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->length);
    } else if (strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->length);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }

    g_string_truncate(resp->body, 0);
    g_clear_pointer(&resp->etag, g_free);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        *ret_transient = TRUE;
        g_set_error(error, S3_ERROR, S3_ERROR_TRANSIENT, "%s %s: %s", req->method, object_url,
                    curl_easy_strerror(rc));
        return FALSE;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    /* CompleteMultipartUpload may answer 200 and still fail: the error is in the body. */
    gboolean body_error = status == 200 && strstr(resp->body->str, "<Error>") != NULL;
    if (status >= 200 && status < 300 && !body_error)
        return TRUE;

    g_autofree char *code = xml_value(resp->body->str, "Code");
    g_autofree char *message = xml_value(resp->body->str, "Message");
    *ret_transient = transient_status(status) ||
                     (code && (strcmp(code, "InternalError") == 0 || strcmp(code, "SlowDown") == 0));
    g_set_error(error, S3_ERROR, *ret_transient ? S3_ERROR_TRANSIENT : S3_ERROR_REFUSED,
                "%s %s: HTTP %ld%s%s%s%s", req->method, object_url, status, code ? " " : "",
                code ? code : "", message ? ": " : "", message ? message : "");
    return FALSE;
}

static gboolean perform(S3Client *c, const Request *req, Response *resp, GError **error)
{
    unsigned delay = c->options.backoff_ms;
    for (unsigned attempt = 1;; attempt++) {
        g_autoptr(GError) local = NULL;
        gboolean transient = FALSE;
        if (perform_once(c, req, resp, &transient, &local))
            return TRUE;
        if (!transient || attempt >= c->options.attempts) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        coroner_log(LOG_WARNING, "%s (attempt %u of %u; again in %u ms)", local->message,
                    attempt, c->options.attempts, delay);
        /* Jitter, so that a fleet does not come back all at the same instant. */
        g_usleep((gulong)(delay + g_random_int_range(0, (gint32)delay / 4 + 1)) * 1000);
        delay = MIN(delay * 2, 60000u);
    }
}

static void response_init(Response *r)
{
    r->body = g_string_new(NULL);
    r->etag = NULL;
}

static void response_clear(Response *r)
{
    g_string_free(r->body, TRUE);
    g_free(r->etag);
}

gboolean s3_put_object(S3Client *c, const char *key, const void *data, gsize length,
                       GError **error)
{
    Request req = {.method = "PUT", .key = key, .body = data, .length = length,
                   .content_type = "application/zip"};
    Response resp;
    response_init(&resp);
    gboolean ok = perform(c, &req, &resp, error);
    response_clear(&resp);
    return ok;
}

gboolean s3_multipart_create(S3Client *c, const char *key, char **ret_upload_id, GError **error)
{
    Request req = {.method = "POST", .key = key, .query = "uploads=",
                   .content_type = "application/zip"};
    Response resp;
    response_init(&resp);
    gboolean ok = perform(c, &req, &resp, error);
    if (ok) {
        char *id = xml_value(resp.body->str, "UploadId");
        if (!id || !*id) {
            g_free(id);
            g_set_error(error, S3_ERROR, S3_ERROR_TRANSIENT,
                        "CreateMultipartUpload of %s: no UploadId in the answer", key);
            ok = FALSE;
        } else {
            *ret_upload_id = id;
        }
    }
    response_clear(&resp);
    return ok;
}

/* "partNumber=N&uploadId=ID": sorted, and the id percent-encoded, as SigV4 wants it. */
static char *part_query(unsigned number, const char *upload_id)
{
    g_autofree char *id = g_uri_escape_string(upload_id, NULL, FALSE);
    return number ? g_strdup_printf("partNumber=%u&uploadId=%s", number, id)
                  : g_strdup_printf("uploadId=%s", id);
}

gboolean s3_multipart_upload_part(S3Client *c, const char *key, const char *upload_id,
                                  unsigned number, const void *data, gsize length,
                                  char **ret_etag, GError **error)
{
    g_autofree char *query = part_query(number, upload_id);
    Request req = {.method = "PUT", .key = key, .query = query, .body = data, .length = length};
    Response resp;
    response_init(&resp);
    gboolean ok = perform(c, &req, &resp, error);
    if (ok && !resp.etag) {
        g_set_error(error, S3_ERROR, S3_ERROR_TRANSIENT, "part %u of %s: no ETag in the answer",
                    number, key);
        ok = FALSE;
    }
    if (ok)
        *ret_etag = g_steal_pointer(&resp.etag);
    response_clear(&resp);
    return ok;
}

gboolean s3_multipart_complete(S3Client *c, const char *key, const char *upload_id,
                               GPtrArray *etags, GError **error)
{
    GString *xml = g_string_new("<CompleteMultipartUpload>");
    for (guint i = 0; i < etags->len; i++) {
        g_autofree char *etag = g_markup_escape_text(etags->pdata[i], -1);
        g_string_append_printf(xml, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>",
                               i + 1, etag);
    }
    g_string_append(xml, "</CompleteMultipartUpload>");
    g_autofree char *query = part_query(0, upload_id);
    Request req = {.method = "POST", .key = key, .query = query, .body = xml->str,
                   .length = xml->len, .content_type = "application/xml"};
    Response resp;
    response_init(&resp);
    gboolean ok = perform(c, &req, &resp, error);
    response_clear(&resp);
    g_string_free(xml, TRUE);
    return ok;
}

gboolean s3_multipart_abort(S3Client *c, const char *key, const char *upload_id, GError **error)
{
    g_autofree char *query = part_query(0, upload_id);
    Request req = {.method = "DELETE", .key = key, .query = query};
    Response resp;
    response_init(&resp);
    gboolean ok = perform(c, &req, &resp, error);
    response_clear(&resp);
    return ok;
}
