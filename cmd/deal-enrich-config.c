/*
 * deal-enrich-config: a workspace's settings, answered to shell scripts, so
 * that no script parses the workspace file (lib/workspace.h reads it).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "workspace.h"

enum { OPT_FOLLOW_UPS = CLI_OPT_FIRST_FREE, OPT_PATH, OPT_LIST, OPT_LIST_KEYS };

static const char usage[] =
"usage: deal-enrich-config WORKSPACE KEY\n"
"       deal-enrich-config --follow-ups WORKSPACE\n"
"       deal-enrich-config --path WORKSPACE\n"
"       deal-enrich-config --list | --list-keys\n"
"\n"
"Answers a workspace's setting as every program reads it: the environment,\n"
"else the workspace file, else the default; integers and booleans checked\n"
"(booleans printed true or false). A setting with no value prints nothing and\n"
"exits 1. A secret (an API key, token or client secret) is never printed: the\n"
"answer is \"set\" (exit 0) or nothing (exit 1).\n"
"\n"
"      --follow-ups  the after_enrich commands in the order they run, one a line:\n"
"                    the key, a tab, the command\n"
"      --path        the workspace file's path (whether it exists or not)\n"
"      --list        the workspaces that have a file, one a line\n"
"      --list-keys   every known key: name, kind, variable, default\n"
"  -h, --help        this help\n"
"      --version     the version\n"
"\n"
"Exit: 0 answered; 1 no value; 64 usage; 74 output error; 78 bad workspace,\n"
"file or value (an unknown key names the closest known one).\n";

static const struct option longopts[] = {
	{ "follow-ups", no_argument, NULL, OPT_FOLLOW_UPS },
	{ "path", no_argument, NULL, OPT_PATH },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "list-keys", no_argument, NULL, OPT_LIST_KEYS },
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "version", no_argument, NULL, CLI_OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static int
list_workspaces(void)
{
	char err[512], **names;
	size_t n, i;

	if (workspace_names(&names, &n, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		return CLI_EX_IOERR;
	}
	for (i = 0; i < n; i++) {
		puts(names[i]);
		free(names[i]);
	}
	free(names);
	return CLI_EX_OK;
}

static int
list_keys(void)
{
	static const char *kinds[] = { "string", "secret", "integer", "boolean", "credits" };
	const struct workspace_setting *s;
	size_t i;

	for (i = 0; (s = workspace_setting_at(i)) != NULL; i++) {
		printf("%s%s\t%s\t%s\t%s\t%s\n", s->key,
		    s->key[strlen(s->key) - 1] == '.' ? "FIELD" :
		    s->key[strlen(s->key) - 1] == '_' ? "N" : "",
		    kinds[s->kind], s->env ? s->env : "-", s->def ? s->def : "-", s->doc);
	}
	return CLI_EX_OK;
}

/* mode: 0 the key's value, OPT_FOLLOW_UPS, OPT_PATH. */
static int
answer(const char *name, const char *key, int mode)
{
	const struct workspace_setting *s;
	const char *v, *keys[256], *cmds[256];
	workspace_t *w;
	char err[600], out[64];
	size_t i, n;
	int rc, ex = CLI_EX_OK;

	if ((rc = workspace_open(name, NULL, &w, err, sizeof err)) != WORKSPACE_OK) {
		cli_msg(stderr, "%s", err);
		return rc == WORKSPACE_ENOMEM ? CLI_EX_IOERR : CLI_EX_CONFIG;
	}
	if (mode == OPT_PATH) {
		puts(workspace_path(w));
	} else if (mode == OPT_FOLLOW_UPS) {
		n = workspace_follow_ups(w, keys, cmds, sizeof cmds / sizeof cmds[0]);
		for (i = 0; i < n; i++)
			printf("%s\t%s\n", keys[i], cmds[i]);
	} else if (workspace_get(w, key, out, sizeof out, &v, err, sizeof err) != WORKSPACE_OK) {
		cli_msg(stderr, "%s: %s", workspace_path(w)[0] ? workspace_path(w) : name, err);
		ex = CLI_EX_CONFIG;
	} else if (v == NULL) {
		ex = 1;
	} else {
		s = workspace_setting(key);
		puts(s->kind == WS_SECRET ? "set" : v);
	}
	workspace_free(w);
	return ex;
}

int
main(int argc, char **argv)
{
	struct cli_common com = { 0 };
	char err[512];
	int opt, mode = 0, want, rc;

	cli_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt >= OPT_FOLLOW_UPS && opt <= OPT_LIST_KEYS) {
			if (mode && mode != opt) {
				cli_msg(stderr, "one of --follow-ups, --path, --list, --list-keys");
				return CLI_EX_USAGE;
			}
			mode = opt;
			continue;
		}
		if ((rc = cli_common_opt(&com, opt == 'h' ? CLI_OPT_HELP : opt, optarg, err,
		    sizeof err)) <= 0) {
			if (rc < 0)
				cli_msg(stderr, "%s", err);
			else
				fputs(usage, stderr);
			return CLI_EX_USAGE;
		}
	}
	if ((rc = cli_help_version(&com, usage)) >= 0)
		return rc;
	want = mode == OPT_LIST || mode == OPT_LIST_KEYS ? 0 : mode ? 1 : 2;
	if (argc - optind != want) {
		fputs(usage, stderr);
		return CLI_EX_USAGE;
	}
	if (mode == OPT_LIST)
		rc = list_workspaces();
	else if (mode == OPT_LIST_KEYS)
		rc = list_keys();
	else
		rc = answer(argv[optind], want == 2 ? argv[optind + 1] : NULL, mode);
	if (cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		return CLI_EX_IOERR;
	}
	return rc;
}
