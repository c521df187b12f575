/*
 * libFuzzer target: the workspace file (lib/conf.h). The input is written,
 * mode 600, as the workspace file of a private XDG_CONFIG_HOME and loaded;
 * then every setting the programs read is read from it, and the input is also
 * read as a stage map (lib/crm.h). No input may crash it or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "crm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], wsdir[320], cfdir[300], file[400];

static void
cleanup(void)
{
	unlink(file);
	rmdir(wsdir);
	rmdir(cfdir);
	rmdir(dir);
}

static int
setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/fuzz_conf.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cfdir, sizeof cfdir, "%s/deal-enrich", dir);
	snprintf(wsdir, sizeof wsdir, "%s/workspaces", cfdir);
	snprintf(file, sizeof file, "%s/fz.conf", wsdir);
	if (mkdir(cfdir, 0700) != 0 || mkdir(wsdir, 0700) != 0)
		return -1;
	setenv("XDG_CONFIG_HOME", dir, 1);
	unsetenv("APOLLO_API_KEY");
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static const char *longs[] = { "lookback_months", "cache_days", "apollo_monthly_budget",
	    "serper_monthly_budget", "deepseek_monthly_budget", "nosuch" };
	crm_stage_map_t *m;
	conf_t *c = NULL;
	char err[512], *text;
	FILE *f;
	size_t i;
	long v;
	int b;

	if (ready == 0)
		ready = setup() == 0 ? 1 : -1;
	if (ready < 0)
		return 0;
	if ((f = fopen(file, "wb")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	chmod(file, (size & 1) ? 0600 : 0644);
	if (conf_load("fz", &c, err, sizeof err) == CONF_OK) {
		conf_path(c);
		conf_api_key(c, "apollo_api_key", "APOLLO_API_KEY");
		conf_get(c, "stage_map");
		for (i = 0; i < sizeof longs / sizeof longs[0]; i++)
			conf_long(c, longs[i], NULL, NULL, 0, 1000000, 5, &v, err, sizeof err);
		conf_bool(c, "auto_enrich_on_close", NULL, NULL, 0, &b, err, sizeof err);
		conf_string(c, "deepseek_model", NULL, NULL, "deepseek-flash");
		conf_free(c);
	}
	if ((text = malloc(size + 1)) != NULL && (m = crm_stage_map_new()) != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		crm_stage_map_parse(m, text, err, sizeof err);
		crm_stage_map_free(m);
	}
	free(text);
	return 0;
}
