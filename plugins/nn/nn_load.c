/* nn_load.c - a graph's weights from a safetensors file, each one checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn_backend.h"
#include "safetensors.h"

static void
shape_str(char *buf, size_t len, int ndim, const int64_t *dims)
{
	size_t off = 0;
	int i;

	off += snprintf(buf + off, len - off, "[");
	for (i = 0; i < ndim && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%lld", i ? ", " : "",
		    (long long)dims[i]);
	if (off < len)
		snprintf(buf + off, len - off, "]");
}

/* Every tensor the model declares, with its shape, and nothing else. */
static int
match(struct nn_graph *g, const char *path, const struct st_file *f)
{
	char want[96], got[96];
	int i, k, t;

	for (i = 0; i < nn_weight_count(g); i++) {
		const struct nn_tensor *w = &g->t[nn_weight_at(g, i)];
		const struct st_tensor *s;

		if (w->role == NN_ROLE_DERIVED)
			continue;
		if ((k = st_find(f, w->name)) < 0)
			return nn_set_error(g, "weights %s: tensor '%s' "
			    "missing", path, w->name);
		s = &f->t[k];
		if (s->ndim != w->ndim || memcmp(s->dims, w->dims,
		    w->ndim * sizeof(w->dims[0])) != 0) {
			shape_str(want, sizeof(want), w->ndim, w->dims);
			shape_str(got, sizeof(got), s->ndim, s->dims);
			return nn_set_error(g, "weights %s: tensor '%s': shape "
			    "%s (%s expected)", path, w->name, got, want);
		}
		if ((w->role == NN_ROLE_INDEX) != (s->dtype == ST_I64))
			return nn_set_error(g, "weights %s: tensor '%s': dtype "
			    "%s (%s expected)", path, w->name,
			    st_dtype_name(s->dtype), w->role == NN_ROLE_INDEX ?
			    "I64" : "F32, F16 or BF16");
	}
	for (k = 0; k < f->n; k++) {
		if ((t = nn_weight_find(g, f->t[k].name)) < 0 ||
		    g->t[t].role == NN_ROLE_DERIVED)
			return nn_set_error(g, "weights %s: tensor '%s' is not "
			    "one the model has", path, f->t[k].name);
	}
	return 0;
}

int
nn_load_safetensors(struct nn_graph *g, const char *path)
{
	struct st_file f;
	struct stat sb;
	char err[200];
	void *map;
	int fd, k, rc;

	if (g->err[0] != '\0')
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return nn_set_error(g, "weights %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return nn_set_error(g, "weights %s: not a regular file", path);
	}
	map = sb.st_size > 0 ? mmap(NULL, (size_t)sb.st_size, PROT_READ,
	    MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (map == MAP_FAILED)
		return nn_set_error(g, "weights %s: %s", path,
		    strerror(errno));
	if (st_parse(map, (size_t)sb.st_size, &f, err, sizeof(err)) < 0)
		rc = nn_set_error(g, "weights %s: %s", path, err);
	else {
		if ((rc = match(g, path, &f)) == 0)
			for (k = 0; k < f.n; k++)
				st_to_f32(&f.t[k], g->t[nn_weight_find(g,
				    f.t[k].name)].host);
		st_free(&f);
	}
	if (map != NULL)
		munmap(map, (size_t)sb.st_size);
	return rc;
}
