/*
** cpu.h - what the CPU stand-ins for the CUDA runtime, cuBLASLt and
** cuDNN share: one stream, run at once or recorded while captured.
*/
#ifndef NN_CUDA_HOST_CPU_H
#define NN_CUDA_HOST_CPU_H

#include <stdint.h>

/* Runs FN(ARG) now, or records it while the stream is being captured
** into a graph (a launch of the graph runs it again); owns ARG. */
void	cpu_submit(void (*fn)(void *), void *arg);
int	cpu_capturing(void);

/* Element I of P, of the CUDA type T (fp32, fp16, bf16), as a float. */
float	cpu_load(int t, const void *p, int64_t i);
void	cpu_store(int t, void *p, int64_t i, float v);

#endif
