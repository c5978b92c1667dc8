/**
 * Benchmarks of the model ({@link org.metamut.lib.bench.ModelBenchmark}, run by {@code metamut bench model}):
 * forward and forward+backward time of the {@link org.metamut.lib.model.Transformer} per batch for a few model
 * sizes, sequence lengths and batch sizes, on one or two native threads and as two single-threaded workers; and an
 * optional long run of SGD steps that prints RSS and heap, to show native memory stays bounded. The figures of an
 * independent PyTorch implementation on the same machine ({@link org.metamut.lib.bench.PyTorchFigures}) are printed
 * beside ours by this benchmark, {@code bench meta} and {@code bench score}.
 *
 * <p>What it owns is measuring and printing figures, nothing the pipeline depends on. Timings on a shared machine
 * are noisy, so each figure is the median and the minimum of several repetitions after a warm-up; inputs are
 * synthetic batches from a fixed seed. No Spark imports.
 */
package org.metamut.lib.bench;
