/*
 * Replays a fuzz target over files and directories of inputs, without
 * libFuzzer: `make check` runs every committed corpus through the sanitizer
 * build this way. Prints one TAP line per target.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long replayed;

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t len = 0, alloc = 0, n;

	if (f == NULL)
		return -1;
	do {
		if (len == alloc) {
			unsigned char *p;

			alloc = alloc ? alloc * 2 : 4096;
			if ((p = realloc(data, alloc)) == NULL) {
				free(data);
				fclose(f);
				return -1;
			}
			data = p;
		}
		n = fread(data + len, 1, alloc - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	replayed++;
	return 0;
}

static int
replay(const char *path)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	char sub[4096];
	int rc = 0;

	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		if (replay(sub) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	for (i = 1; i < argc; i++)
		if (replay(argv[i]) != 0) {
			printf("not ok - cannot read %s\n", argv[i]);
			rc = 1;
		}
	if (rc == 0) {
		if (replayed == 0) {
			printf("not ok - %s: empty corpus\n", argv[0]);
			return 1;
		}
		printf("ok - %s replayed %ld inputs\n", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], replayed);
	}
	return rc;
}
