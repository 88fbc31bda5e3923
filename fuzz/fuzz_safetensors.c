/*
** fuzz_safetensors.c - libFuzzer target for the nn engine's safetensors
** reader (st_parse): any bytes as a whole file; every tensor it accepts
** is converted to fp32, so an offset it failed to check reads out of
** bounds under ASan.
*/
#include <stdint.h>
#include <stdlib.h>

#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct st_file f;
	char err[256];
	int i;

	if (st_parse(data, size, &f, err, sizeof(err)) < 0)
		return 0;
	for (i = 0; i < f.n; i++) {
		size_t esize = f.t[i].dtype == ST_I64 ? 8 :
		    f.t[i].dtype == ST_F32 ? 4 : 2;
		float *out = malloc((f.t[i].bytes / esize + 1) *
		    sizeof(*out));

		if (out != NULL)
			st_to_f32(&f.t[i], out);
		free(out);
	}
	st_free(&f);
	return 0;
}
