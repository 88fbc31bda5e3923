/*
** nn_init.c - dyno-init-v1: seeded weights any implementation can rebuild
** element by element (docs/probes.md, eegpt section, is the definition).
*/
#include <math.h>

#include "nn_backend.h"

static uint64_t
fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The raw 64-bit draw for element I of NAME (its hash H) under SEED. */
static uint64_t
draw(uint64_t h, uint64_t seed, uint64_t i)
{
	uint64_t z = h + seed * 0x9E3779B97F4A7C15ull +
	    (i + 1) * 0xD1B54A32D192ED03ull;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static float
value(uint64_t z, double bound)
{
	double u = (double)(z >> 40) * 0x1p-24;

	return (float)(bound * (2.0 * u - 1.0));
}

uint64_t
nn_init_draw(const char *name, uint64_t seed, uint64_t i)
{
	return draw(fnv1a64(name), seed, i);
}

float
nn_init_value(const char *name, uint64_t seed, uint64_t i, double bound)
{
	return value(draw(fnv1a64(name), seed, i), bound);
}

double
nn_init_bound(enum nn_role role, int64_t fan_in)
{
	switch (role) {
	case NN_ROLE_WEIGHT:
	case NN_ROLE_BIAS:
		return 1.0 / sqrt((double)fan_in);
	case NN_ROLE_EMBED:
		return 0.02;
	default:
		return 0.0;
	}
}

void
nn_init_seeded(struct nn_graph *g, uint64_t seed)
{
	int i;

	for (i = 0; i < g->nt; i++) {
		struct nn_tensor *t = &g->t[i];
		int64_t k, n = nn_numel(g, i);
		double bound;
		uint64_t h;

		if (t->kind != NN_T_WEIGHT || t->role == NN_ROLE_DERIVED)
			continue;
		if (t->role == NN_ROLE_INDEX) {
			for (k = 0; k < n; k++)
				t->host[k] = (float)k;
			continue;
		}
		if (t->role == NN_ROLE_NORM_WEIGHT ||
		    t->role == NN_ROLE_NORM_BIAS) {
			for (k = 0; k < n; k++)
				t->host[k] = t->role == NN_ROLE_NORM_WEIGHT;
			continue;
		}
		bound = nn_init_bound(t->role, t->fan_in);
		h = fnv1a64(t->name);
		for (k = 0; k < n; k++)
			t->host[k] = value(draw(h, seed, (uint64_t)k), bound);
	}
}
