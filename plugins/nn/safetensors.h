/*
** safetensors.h - a safetensors file's header and tensors, every length and
** offset checked against the bytes there are (the reader the fuzzer runs).
*/
#ifndef DYNO_NN_SAFETENSORS_H
#define DYNO_NN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define ST_MAXDIM 8

enum st_dtype { ST_F32, ST_F16, ST_BF16, ST_I64 };

struct st_tensor {
	char		*name;
	enum st_dtype	 dtype;
	int		 ndim;
	int64_t		 dims[ST_MAXDIM];
	const uint8_t	*data;		/* inside the caller's buffer */
	size_t		 bytes;
};

struct st_file {
	struct st_tensor	*t;
	int			 n;
};

/* Parse the LEN bytes at BUF (which must outlive F); on error, a one-line
** message in ERR naming the tensor, if the error is one tensor's. */
int	st_parse(const uint8_t *buf, size_t len, struct st_file *f,
	    char *err, size_t errlen);
void	st_free(struct st_file *);
int	st_find(const struct st_file *, const char *name);
const char *st_dtype_name(enum st_dtype);
/* T's values as fp32 into OUT (numel of T). */
void	st_to_f32(const struct st_tensor *t, float *out);

#endif
