/* web_files: the page's files. By default they are compiled into the
 * program (a table the build generates from web/); with --web-root they
 * come from a directory, where a path may name only a regular file that
 * really lies inside it: no "..", no dot-files, and a symlink that
 * resolves outside the root is refused like a missing file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dialect/web_private.h"
#include "net/conn.h"
#include "util/alloc.h"

enum { FILE_MAX = 16 * 1024 * 1024, PATH_MAX_WEB = 1024 };

static const char *type_of(const char *path, size_t len)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".json", "application/json"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".txt", "text/plain; charset=utf-8"},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t elen = strlen(types[i].ext);
		if (len >= elen && memcmp(path + len - elen, types[i].ext, elen) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

static bool etag_matches(const struct http_request *r, const char *etag)
{
	size_t len;
	const char *v = http_field(r, "If-None-Match", &len);
	return v && (http_has_token(v, len, etag) || http_has_token(v, len, "*"));
}

static void send_file(struct conn *c, const struct http_request *r, const char *type,
		      const char *etag, const void *data, size_t len, bool head_only,
		      bool keep_alive)
{
	char extra[160];
	snprintf(extra, sizeof(extra), "ETag: %s\r\nCache-Control: no-cache\r\n", etag);
	if (etag_matches(r, etag)) {
		web_respond(c, true, keep_alive, 304, NULL, extra, NULL, 0);
		return;
	}
	web_respond(c, head_only, keep_alive, 200, type, extra, data, len);
}

static void not_found(struct conn *c, bool keep_alive)
{
	static const char body[] = "404 Not Found\n";
	web_respond(c, false, keep_alive, 404, "text/plain; charset=utf-8", NULL, body,
		    sizeof(body) - 1);
}

static int hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decodes `p` into out; refuses NUL, backslash, "..", dot-files and
 * empty segments. */
static bool clean_path(const char *p, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (ch == '%') {
			int hi = i + 2 < n ? hex(p[i + 1]) : -1;
			int lo = i + 2 < n ? hex(p[i + 2]) : -1;
			int v = hi * 16 + lo;
			if (hi < 0 || lo < 0 || v == 0)
				return false;
			ch = (char)v;
			i += 2;
		}
		if (ch == '\\' || o + 1 >= outlen)
			return false;
		out[o++] = ch;
	}
	out[o] = '\0';
	if (out[0] != '/')
		return false;
	for (const char *s = out; (s = strchr(s, '/')) != NULL; s++)
		if (s[1] == '.' || s[1] == '/')
			return false; /* ".", "..", dot-files, "//" */
	return true;
}

static void serve_from_root(struct web *web, struct conn *c, const struct http_request *r,
			    const char *path, bool head_only, bool keep_alive)
{
	char full[PATH_MAX_WEB * 2];
	snprintf(full, sizeof(full), "%s%s", web->root, path);
	char *real = realpath(full, NULL);
	size_t rootlen = strlen(web->root);
	if (!real || strncmp(real, web->root, rootlen) != 0 || real[rootlen] != '/') {
		free(real);
		not_found(c, keep_alive);
		return;
	}
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(real);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
		if (fd >= 0)
			close(fd);
		not_found(c, keep_alive);
		return;
	}
	size_t len = (size_t)st.st_size;
	char *data = xmalloc(len ? len : 1);
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, data + got, len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	char etag[64];
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtime);
	send_file(c, r, type_of(path, strlen(path)), etag, data, got, head_only, keep_alive);
	free(data);
}

void web_serve_file(struct web *web, struct conn *c, const struct http_request *r,
		    const char *target, size_t target_len, bool head_only, bool keep_alive)
{
	char path[PATH_MAX_WEB];
	if (!clean_path(target, target_len, path, sizeof(path) - 16)) {
		not_found(c, keep_alive);
		return;
	}
	if (path[strlen(path) - 1] == '/')
		strcat(path, "index.html");
	if (web->root) {
		serve_from_root(web, c, r, path, head_only, keep_alive);
		return;
	}
	for (size_t i = 0; i < web->cfg.nassets; i++) {
		const struct web_asset *a = &web->cfg.assets[i];
		if (strcmp(a->path, path) == 0) {
			send_file(c, r, a->type, a->etag, a->data, a->len, head_only, keep_alive);
			return;
		}
	}
	not_found(c, keep_alive);
}
