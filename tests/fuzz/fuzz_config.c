/* fuzz_config.c - the config file parser and ib_config_set on arbitrary text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_scratch.h"
#include "config/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_scratch_path("config");
	static ib_config c;
	char err[512], key[128], val[512];
	FILE *f;

	f = fopen(path, "w");
	if (f == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	ib_config_defaults(&c);
	ib_config_load_file(&c, path, err, sizeof(err));
	/* key NUL value */
	const uint8_t *nul = memchr(data, 0, size);
	if (nul && (size_t)(nul - data) < sizeof(key) && size - (size_t)(nul - data) - 1 < sizeof(val)) {
		memcpy(key, data, (size_t)(nul - data));
		key[nul - data] = '\0';
		memcpy(val, nul + 1, size - (size_t)(nul - data) - 1);
		val[size - (size_t)(nul - data) - 1] = '\0';
		ib_config_set(&c, key, val, err, sizeof(err));
	}
	return 0;
}
