package org.metamut.lib.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.DefaultDrawingSupplier;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * PNG charts of a summary, drawn with JFreeChart into memory (no display needed: {@code java.awt.headless}
 * is set to true unless the JVM was started with a value).
 */
public final class Charts {

  public static final int WIDTH = 800;
  public static final int HEIGHT = 480;

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private Charts() {}

  /** Mean {@code quantity} against k, one line per method with its bootstrap band, for one family. */
  public static byte[] performanceVsK(List<Summary.Row> rows, String family, String quantity, double level) {
    Map<String, YIntervalSeries> byMethod = new TreeMap<>();
    double minK = Double.POSITIVE_INFINITY;
    double maxK = 0;
    for (Summary.Row r : rows) {
      if (r.family().equals(family) && r.quantity().equals(quantity)) {
        double lo = Double.isNaN(r.lower()) ? r.mean() : r.lower();
        double hi = Double.isNaN(r.upper()) ? r.mean() : r.upper();
        byMethod.computeIfAbsent(r.method(), YIntervalSeries::new).add(r.k(), r.mean(), lo, hi);
        minK = Math.min(minK, r.k());
        maxK = Math.max(maxK, r.k());
      }
    }
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    byMethod.values().forEach(data::addSeries);
    JFreeChart chart = ChartFactory.createXYLineChart(quantity + " vs shots k — " + family
            + " (mean over tasks, " + Math.round(level * 100) + "% bootstrap band)",
        "k (labelled support variants)", quantity, data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    DeviationRenderer renderer = new DeviationRenderer(true, true);
    renderer.setAlpha(0.15f);
    for (int s = 0; s < data.getSeriesCount(); s++) {
      Paint p = color(s);
      renderer.setSeriesPaint(s, p);
      renderer.setSeriesFillPaint(s, p);
      renderer.setSeriesStroke(s, new BasicStroke(2f));
    }
    plot.setRenderer(renderer);
    if (minK > 0 && maxK / minK >= 4) { // log2 axis once k spans two doublings
      plot.setDomainAxis(logAxis("k (labelled support variants)", 2));
    }
    style(chart);
    return png(chart);
  }

  /**
   * Small multiples of {@link #performanceVsK}: one panel per method group ({@code panels}: name → methods), side by
   * side on one shared {@code quantity} axis, each with its methods' lines and bootstrap bands and, when given, the
   * {@code reference} method (the best ridge) as a dashed grey line without a band, so every panel reads against it.
   */
  public static byte[] performanceVsKPanels(List<Summary.Row> rows, String family, String quantity, double level,
                                            Map<String, List<String>> panels, String reference) {
    NumberAxis shared = new NumberAxis(quantity);
    shared.setAutoRangeIncludesZero(false);
    CombinedRangeXYPlot combined = new CombinedRangeXYPlot(shared);
    combined.setGap(12);
    YIntervalSeries ref = reference == null ? null : series(rows, family, quantity, reference);
    double minK = Double.POSITIVE_INFINITY;
    double maxK = 0;
    for (Summary.Row r : rows) {
      if (r.family().equals(family) && r.quantity().equals(quantity)) {
        minK = Math.min(minK, r.k());
        maxK = Math.max(maxK, r.k());
      }
    }
    int colour = 0;
    for (var panel : panels.entrySet()) {
      YIntervalSeriesCollection data = new YIntervalSeriesCollection();
      for (String m : panel.getValue()) {
        data.addSeries(series(rows, family, quantity, m));
      }
      String xLabel = panel.getKey() + ": k";
      XYPlot plot = new XYPlot(data, minK > 0 && maxK / minK >= 4 ? logAxis(xLabel, 2) : new NumberAxis(xLabel), null,
          new DeviationRenderer(true, true));
      DeviationRenderer renderer = (DeviationRenderer) plot.getRenderer();
      renderer.setAlpha(0.12f);
      for (int i = 0; i < data.getSeriesCount(); i++) {
        Paint p = color(colour++);
        renderer.setSeriesPaint(i, p);
        renderer.setSeriesFillPaint(i, p);
        renderer.setSeriesStroke(i, new BasicStroke(2f));
      }
      if (ref != null) {
        YIntervalSeriesCollection r = new YIntervalSeriesCollection();
        YIntervalSeries line = new YIntervalSeries(reference + " (reference)");
        for (int i = 0; i < ref.getItemCount(); i++) {
          line.add(ref.getX(i).doubleValue(), ref.getYValue(i), ref.getYValue(i), ref.getYValue(i));
        }
        r.addSeries(line);
        XYLineAndShapeRenderer dashed = new XYLineAndShapeRenderer(true, false);
        dashed.setSeriesPaint(0, Color.GRAY);
        dashed.setSeriesStroke(0, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {6f, 4f}, 0f));
        dashed.setSeriesVisibleInLegend(0, combined.getSubplots().isEmpty()); // one legend entry, not one per panel
        plot.setDataset(1, r);
        plot.setRenderer(1, dashed);
      }
      plot.setBackgroundPaint(Color.WHITE);
      plot.setDomainGridlinePaint(new Color(0xDDDDDD));
      plot.setRangeGridlinePaint(new Color(0xDDDDDD));
      combined.add(plot, 1);
    }
    JFreeChart chart = new JFreeChart(quantity + " vs shots k — " + family + " (mean over tasks, "
        + Math.round(level * 100) + "% bootstrap band" + (reference == null ? "" : "; dashed: " + reference) + ")",
        JFreeChart.DEFAULT_TITLE_FONT, combined, true);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(14f));
    return png(chart, Math.max(WIDTH, 420 * panels.size()), HEIGHT);
  }

  private static YIntervalSeries series(List<Summary.Row> rows, String family, String quantity, String method) {
    YIntervalSeries s = new YIntervalSeries(method);
    for (Summary.Row r : rows) {
      if (r.family().equals(family) && r.quantity().equals(quantity) && r.method().equals(method)) {
        double lo = Double.isNaN(r.lower()) ? r.mean() : r.lower();
        double hi = Double.isNaN(r.upper()) ? r.mean() : r.upper();
        s.add(r.k(), r.mean(), lo, hi);
      }
    }
    return s;
  }

  /**
   * Mean {@code quantity} against mean {@code timeQuantity} (seconds, log scale), one line per method
   * through its k values, for one family.
   */
  public static byte[] timeVsQuantity(List<Summary.Row> rows, String family, String quantity, String timeQuantity) {
    Map<String, Map<Integer, double[]>> points = new TreeMap<>();
    for (Summary.Row r : rows) {
      if (!r.family().equals(family)) {
        continue;
      }
      int slot = r.quantity().equals(timeQuantity) ? 0 : r.quantity().equals(quantity) ? 1 : -1;
      if (slot >= 0) {
        points.computeIfAbsent(r.method(), m -> new TreeMap<>())
            .computeIfAbsent(r.k(), k -> new double[] {Double.NaN, Double.NaN})[slot] = r.mean();
      }
    }
    XYSeriesCollection data = new XYSeriesCollection();
    double minX = Double.POSITIVE_INFINITY;
    double maxX = 0;
    for (var e : points.entrySet()) {
      XYSeries s = new XYSeries(e.getKey(), false, true);
      for (double[] xy : e.getValue().values()) {
        if (Double.isFinite(xy[0]) && Double.isFinite(xy[1])) {
          s.add(xy[0], xy[1]);
          minX = Math.min(minX, xy[0]);
          maxX = Math.max(maxX, xy[0]);
        }
      }
      data.addSeries(s);
    }
    String xLabel = timeQuantity + " (mean per run, s)";
    JFreeChart chart = ChartFactory.createXYLineChart(quantity + " vs " + timeQuantity + " — " + family
            + " (one point per k)", xLabel, quantity, data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int s = 0; s < data.getSeriesCount(); s++) {
      renderer.setSeriesPaint(s, color(s));
      renderer.setSeriesStroke(s, new BasicStroke(1.5f));
    }
    plot.setRenderer(renderer);
    if (minX > 0 && maxX / minX >= 10) { // log10 axis once times span a decade
      plot.setDomainAxis(logAxis(xLabel, 10));
    }
    style(chart);
    return png(chart);
  }

  private static ValueAxis logAxis(String label, double base) {
    LogAxis axis = new LogAxis(label);
    axis.setBase(base);
    axis.setNumberFormatOverride(new DecimalFormat("0.###"));
    axis.setSmallestValue(1e-6);
    axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits()); // ticks at whole powers of the base
    return axis;
  }

  private static void style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xDDDDDD));
    plot.setRangeGridlinePaint(new Color(0xDDDDDD));
    if (plot.getRangeAxis() instanceof NumberAxis n) {
      n.setAutoRangeIncludesZero(false);
    }
    chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(14f));
  }

  private static Paint color(int i) {
    Paint[] palette = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22),
        new Color(0x17becf)};
    return i < palette.length ? palette[i] : DefaultDrawingSupplier.DEFAULT_PAINT_SEQUENCE[i % DefaultDrawingSupplier.DEFAULT_PAINT_SEQUENCE.length];
  }

  private static byte[] png(JFreeChart chart) {
    return png(chart, WIDTH, HEIGHT);
  }

  private static byte[] png(JFreeChart chart, int width, int height) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ChartUtils.writeChartAsPNG(out, chart, width, height);
    } catch (IOException e) {
      throw new UncheckedIOException("could not render chart '" + chart.getTitle().getText() + "'", e);
    }
    return out.toByteArray();
  }
}
