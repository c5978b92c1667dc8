package org.metamut.jobs.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.testing.LocalSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stack works in CI: Spark local mode writes and reads Parquet, and treeAggregate sums float arrays. */
class SparkParquetStackTest {

  @Test
  void writesAndReadsParquetWithNestedStructs(@TempDir Path dir) throws Exception {
    SparkSession spark = LocalSpark.get();
    StructType mutation = new StructType().add("pos", DataTypes.IntegerType).add("wt", DataTypes.StringType)
        .add("mt", DataTypes.StringType);
    StructType schema = new StructType().add("variant_id", DataTypes.StringType)
        .add("mutations", DataTypes.createArrayType(mutation)).add("y", DataTypes.DoubleType);
    List<Row> rows = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      rows.add(RowFactory.create("v" + i, List.of(RowFactory.create(i, "A", "G")).toArray(), i * 0.5));
    }
    Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(3);
    String out = dir.resolve("variants").toString();
    df.write().parquet(out);

    assertTrue(Files.list(dir.resolve("variants")).anyMatch(p -> p.toString().endsWith(".parquet")));
    Dataset<Row> back = spark.read().parquet(out);
    assertEquals(schema.simpleString(), back.schema().simpleString());
    assertEquals(100, back.count());
    assertEquals(2525.0, back.agg(org.apache.spark.sql.functions.sum("y")).first().getDouble(0), 1e-9);
    Row r = back.filter("variant_id = 'v7'").first();
    Row m = (Row) r.getList(1).get(0);
    assertEquals(7, m.getInt(0));
    assertEquals("G", m.getString(2));
  }

  @Test
  void treeAggregateOfArraysEqualsTheLocalSum() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(LocalSpark.get().sparkContext());
    List<double[]> parts = new ArrayList<>();
    double[] expected = new double[4];
    for (int i = 0; i < 37; i++) {
      double[] v = {i, i * i, 1.0 / (i + 1), -i};
      parts.add(v);
      for (int j = 0; j < 4; j++) {
        expected[j] += v[j];
      }
    }
    double[] got = jsc.parallelize(parts, 5).treeAggregate(new double[4], (acc, v) -> {
      for (int j = 0; j < 4; j++) {
        acc[j] += v[j];
      }
      return acc;
    }, (a, b) -> {
      for (int j = 0; j < 4; j++) {
        a[j] += b[j];
      }
      return a;
    }, 2);
    assertArrayEquals(expected, got, 1e-9, Arrays.toString(got));
  }
}
