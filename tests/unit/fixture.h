/*
 * What several unit tests need, written once (each tests/unit/test_*.c is
 * compiled alone, so everything here is static; include it after cmocka.h):
 *
 *   JSON     J (parse or fail), fx_dump, assert_json_eq
 *   a db     fx_setup / fx_teardown (a cmocka group fixture: a temp dir, fx_dir,
 *            removed with all it holds), fx_open_db (an LMDB under fx_dir)
 *   config   fx_config_home (XDG_CONFIG_HOME under fx_dir), fx_workspace (a
 *            mode-600 workspace file)
 *   HTTP     fx_server_start / fx_server_stop: a scripted server on 127.0.0.1
 *            in a child process, one scripted reply per connection
 *   titles   fx_titles_setup / fx_titles_teardown: the job-title matcher
 *            fx_titles, made once for a cmocka group
 */
#ifndef DE_TEST_FIXTURE_H
#define DE_TEST_FIXTURE_H

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "jobtitle.h"
#include "json.h"

/* ---- JSON ---- */

static inline json_t *
J(const char *s)
{
	json_t *v = NULL;
	char err[256];

	if (json_parse(s, strlen(s), 0, &v, NULL, err, sizeof err) != JSON_OK)
		fail_msg("test JSON does not parse: %s: %s", err, s);
	return v;
}

/* The compact text of v; free it. */
static inline char *
fx_dump(const json_t *v)
{
	buf_t b;

	buf_init(&b, 1 << 24);
	assert_int_equal(json_dump(v, &b), JSON_OK);
	return buf_detach(&b, NULL);
}

/* v and the JSON text want are the same value, keys in the same order. */
static inline void
assert_json_eq(const json_t *v, const char *want)
{
	json_t *w = J(want);
	char *a = fx_dump(v), *b = fx_dump(w);

	assert_string_equal(a, b);
	free(a);
	free(b);
	json_free(w);
}

/* ---- the job-title matcher ---- */

static jobtitle_t *fx_titles;

static inline int
fx_titles_setup(void **state)
{
	char err[200];

	(void)state;
	fx_titles = jobtitle_new(err, sizeof err);
	return fx_titles ? 0 : -1;
}

static inline int
fx_titles_teardown(void **state)
{
	(void)state;
	jobtitle_free(fx_titles);
	return 0;
}

/* ---- a temp dir and the dbs in it ---- */

static char fx_dir[256];

static inline int
fx_setup(void **state)
{
	(void)state;
	snprintf(fx_dir, sizeof fx_dir, "/tmp/de-test.XXXXXX");
	return mkdtemp(fx_dir) ? 0 : -1;
}

static inline int
fx_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline int
fx_teardown(void **state)
{
	(void)state;
	return nftw(fx_dir, fx_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* An LMDB at fx_dir/sub, opened or the test fails; db_close it. */
static inline db_t *
fx_open_db(const char *sub)
{
	char path[512], err[256];
	db_t *db;

	snprintf(path, sizeof path, "%s/%s", fx_dir, sub);
	if (db_open(path, 0, &db, err, sizeof err) != DB_OK)
		fail_msg("db_open %s: %s", path, err);
	return db;
}

/* ---- workspace files ---- */

/* Points XDG_CONFIG_HOME at fx_dir/config and makes its workspaces directory. */
static inline int
fx_config_home(void)
{
	char p[512];

	snprintf(p, sizeof p, "%s/config", fx_dir);
	setenv("XDG_CONFIG_HOME", p, 1);
	mkdir(p, 0700);
	strcat(p, "/deal-enrich");
	mkdir(p, 0700);
	strcat(p, "/workspaces");
	return mkdir(p, 0700) == 0 ? 0 : -1;
}

/* Writes workspace ws's file (mode 600) under fx_config_home(). */
static inline void
fx_workspace(const char *ws, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/config/deal-enrich/workspaces/%s.conf", fx_dir, ws);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

/* ---- a scripted HTTP server ---- */

enum { FX_SEND, FX_CUT, FX_DROP };

/*
 * One reply: FX_SEND writes it ("@PORT@" in it: the server's port) and closes, FX_CUT too (its text promises more
 * than it holds), FX_DROP closes without a byte. With status 0 the text is the
 * whole answer, headers and all; otherwise the answer is that status with the
 * text as its JSON body.
 */
struct fx_reply {
	int mode;
	long status;
	const char *text;
};

static pid_t fx_server;
static int fx_port;
static int fx_count_fd[2];   /* the child writes one byte per request */
static char fx_reqfile[64];  /* the requests the child read, each followed by "\n=====\n" */

static inline void
fx_read_request(int fd, FILE *log)
{
	char buf[65536];
	size_t len = 0;
	ssize_t n;
	char *end, *cl;
	long body = 0;

	while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			if ((cl = strcasestr(buf, "content-length:")) != NULL)
				body = strtol(cl + 15, NULL, 10);
			if ((size_t)(end + 4 - buf) + (size_t)body <= len)
				break;
		}
	}
	fwrite(buf, 1, len, log);
	fputs("\n=====\n", log);
	fflush(log);
}

static inline int
fx_send(int c, const struct fx_reply *r)
{
	char head[256], text[65536];
	const char *at;

	if (r->mode == FX_DROP)
		return 0;
	/* "@PORT@" in a reply is the server's own port (an answer naming a URL on it) */
	if ((at = strstr(r->text, "@PORT@")) != NULL)
		snprintf(text, sizeof text, "%.*s%d%s", (int)(at - r->text), r->text, fx_port, at + 6);
	else
		snprintf(text, sizeof text, "%s", r->text);
	if (r->status != 0) {
		snprintf(head, sizeof head, "HTTP/1.1 %ld X\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n", r->status, strlen(text));
		if (write(c, head, strlen(head)) < 0)
			return -1;
	}
	return write(c, text, strlen(text)) < 0 ? -1 : 0;
}

/*
 * Serves script[0], script[1], ... to the connections in turn, the last one
 * again to any more; fx_port is its port. script must outlive the server.
 */
static inline void
fx_server_start(const struct fx_reply *script, size_t n)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1, fd;

	assert_true(s >= 0 && n > 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s, 16), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	fx_port = ntohs(a.sin_port);
	assert_int_equal(pipe(fx_count_fd), 0);
	snprintf(fx_reqfile, sizeof fx_reqfile, "/tmp/de-test-requests.XXXXXX");
	fd = mkstemp(fx_reqfile);
	assert_true(fd >= 0);
	close(fd);
	fx_server = fork();
	assert_true(fx_server >= 0);
	if (fx_server == 0) {
		FILE *log = fopen(fx_reqfile, "w");
		size_t i = 0;

		close(fx_count_fd[0]);
		for (;;) {
			int c = accept(s, NULL, NULL);

			if (c < 0 || log == NULL)
				_exit(0);
			fx_read_request(c, log);
			if (write(fx_count_fd[1], "x", 1) != 1)
				_exit(1);
			if (fx_send(c, &script[i < n ? i : n - 1]) < 0)
				_exit(1);
			close(c);
			i++;
		}
	}
	close(s);
	close(fx_count_fd[1]);
}

/* Stops the server; returns how many requests it got, their text in *requests
 * (free it) unless requests is NULL. */
static inline int
fx_server_stop(char **requests)
{
	char b[256];
	ssize_t n;
	int total = 0;
	FILE *f;
	long len;

	kill(fx_server, SIGTERM);
	waitpid(fx_server, NULL, 0);
	while ((n = read(fx_count_fd[0], b, sizeof b)) > 0)
		total += (int)n;
	close(fx_count_fd[0]);
	if (requests != NULL) {
		f = fopen(fx_reqfile, "r");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		*requests = calloc(1, (size_t)len + 1);
		assert_non_null(*requests);
		assert_int_equal(fread(*requests, 1, (size_t)len, f), (size_t)len);
		fclose(f);
	}
	unlink(fx_reqfile);
	return total;
}

#endif
