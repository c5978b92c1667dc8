/**
 * The evaluation report: {@link org.metamut.lib.report.ResultRecord} (one method on one task at one shot
 * size and seed), the summary over tasks and seeds with bootstrap intervals
 * ({@link org.metamut.lib.report.Summary}), relative improvements against a reference method stated the
 * way the reference paper states them, PNG charts ({@link org.metamut.lib.report.Charts}, JFreeChart,
 * headless), and {@link org.metamut.lib.report.ReportWriter}, which writes {@code report.html} (charts
 * embedded as base64 data URIs and also saved under {@code charts/}), {@code results.csv},
 * {@code summary.csv}, {@code improvements.csv}, {@code failed.csv} (the {@link org.metamut.lib.report.FailedRun}s:
 * runs that threw) and {@code results.json}. Intervals resample protein groups ({@link
 * org.metamut.lib.report.ResultRecord#group}), each drawn group with all its tasks, then seeds. The page opens with
 * {@link org.metamut.lib.report.FirstScreen}: per family the methods ranked, the recommendation (and whether it was
 * made on meta-val or, indicatively, on the test tasks), the comparison with the best ridge; its method groups are
 * the panels of the k chart.
 * {@link org.metamut.lib.report.ActiveLearningReport} writes the active-learning benchmark's tables and page with the
 * same bootstrap.
 *
 * <p>Invariants: the files hold every input number unchanged ({@link java.lang.Double#toString} in CSV,
 * JSON numbers; an undefined metric is {@code NaN} in CSV and {@code null} in JSON, an absent one is empty
 * / missing); the same records and settings give byte-identical CSV/JSON files (bootstrap seeds derive
 * from the settings' seed and the group's name; rows are sorted); a (family, task, method, k, seed) appears
 * at most once. No Spark imports. Definitions: {@code src/docs/evaluate.md}.
 */
package org.metamut.lib.report;
