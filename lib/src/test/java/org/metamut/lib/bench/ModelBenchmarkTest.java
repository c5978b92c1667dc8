package org.metamut.lib.bench;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model benchmark prints its figures beside the PyTorch implementation's, with the right ratios. */
class ModelBenchmarkTest {

  @Test
  void printsTheReferenceCaseBesideThePyTorchFigures() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ModelBenchmark.Case reference = ModelBenchmark.defaultCases().get(0);
    ModelBenchmark.run(new ModelBenchmark.Options(List.of(reference), 1, 0.0, 3, DataType.FLOAT, 0, false),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    Pattern row = Pattern.compile("(?m)^reference .* 1 native +([0-9.]+) / +[0-9.]+ +([0-9.]+) / ");
    Matcher m = row.matcher(out);
    assertTrue(m.find(), out);
    double[] ours = {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    String[] what = {"fwd", "fwd\\+bwd"};
    for (int i = 0; i < 2; i++) {
      Matcher v = Pattern.compile("vs PyTorch .*: reference " + what[i] + " \\(median\\) ([0-9.]+) ms against ([0-9.]+) ms = ([0-9.]+)× its time")
          .matcher(out);
      assertTrue(v.find(), out);
      assertEquals(ours[i], Double.parseDouble(v.group(1)), 0.006);
      assertEquals(PyTorchFigures.MODEL_MS.get("reference")[i], Double.parseDouble(v.group(2)), 1e-9);
      assertEquals(ours[i] / PyTorchFigures.MODEL_MS.get("reference")[i], Double.parseDouble(v.group(3)), 0.006);
    }
  }

  @Test
  void comparisonLinesStateTheRatioEachWay() {
    assertTrue(PyTorchFigures.time("x", 10.8, 5.4).endsWith("x 10.80 ms against 5.40 ms = 2.00× its time"));
    assertTrue(PyTorchFigures.throughput("y", 9000, 6000).endsWith("y 9,000/s against ~6,000/s = 1.50× its throughput"));
    assertEquals(449.0, PyTorchFigures.outerStepMs("maml", 8).orElseThrow());
    assertTrue(PyTorchFigures.outerStepMs("maml", 16).isEmpty(), "the table has 8-task figures only");
    assertTrue(PyTorchFigures.outerStepMs("anil", 8).isEmpty(), "no ANIL figure in the table");
  }
}
