package org.metamut.lib.backend;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ND4J/SameDiff stack works in CI: the gradient of y = mean((tanh(x·W + b) - t)²) from SameDiff
 * matches central finite differences in double precision, for every element of W and b.
 */
class SameDiffGradientStackTest {

  @Test
  void sameDiffGradientMatchesCentralFiniteDifferences() {
    Nd4j.getRandom().setSeed(7);
    INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 3);
    INDArray t = Nd4j.rand(DataType.DOUBLE, 5, 2);
    INDArray w0 = Nd4j.rand(DataType.DOUBLE, 3, 2).subi(0.5);
    INDArray b0 = Nd4j.rand(DataType.DOUBLE, 1, 2).subi(0.5);

    SameDiff sd = SameDiff.create();
    SDVariable in = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
    SDVariable target = sd.placeHolder("t", DataType.DOUBLE, -1, 2);
    SDVariable w = sd.var("w", w0.dup());
    SDVariable b = sd.var("b", b0.dup());
    SDVariable out = sd.math().tanh(in.mmul(w).add(b));
    SDVariable diff = out.sub(target);
    sd.mean("loss", diff.mul(diff));
    sd.setLossVariables("loss");

    Map<String, INDArray> ph = Map.of("x", x, "t", t);
    Map<String, INDArray> grads = quietly(() -> sd.calculateGradients(ph, "w", "b"));

    double eps = 1e-6;
    int checked = 0;
    for (String name : new String[] {"w", "b"}) {
      INDArray param = sd.getVariable(name).getArr();
      INDArray g = grads.get(name);
      for (int i = 0; i < param.length(); i++) {
        double orig = param.getDouble(i);
        param.putScalar(i, orig + eps);
        double up = sd.output(ph, "loss").get("loss").getDouble(0);
        param.putScalar(i, orig - eps);
        double down = sd.output(ph, "loss").get("loss").getDouble(0);
        param.putScalar(i, orig);
        double fd = (up - down) / (2 * eps);
        double an = g.getDouble(i);
        assertEquals(fd, an, 1e-7 + 1e-6 * Math.abs(fd), name + "[" + i + "]");
        checked++;
      }
    }
    assertEquals(8, checked);
    assertTrue(Nd4jBackend.describe().startsWith("ND4J backend "), Nd4jBackend.describe());
  }

  /** SameDiff prints one line per op on the first gradient call; keep test output readable. */
  private static <T> T quietly(java.util.function.Supplier<T> body) {
    var saved = System.out;
    try {
      System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
      return body.get();
    } finally {
      System.setOut(saved);
    }
  }
}
