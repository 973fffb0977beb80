package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs in the surefire execution whose JVM has Sluice's provider (see the pom). */
@Tag("sluice-provider")
class HttpServerOnSluiceTest {
  @Test
  @Timeout(60)
  void theJdkHttpClientGetsThePageFromTheJdkHttpServerOnSluice() throws Exception {
    assertThat(SelectorProvider.provider().getClass().getName())
        .as("this JVM's provider (set by the pom's on-sluice-provider execution)")
        .isEqualTo("dev.sluice.nio.SluiceSelectorProvider");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    HttpServerOnSluice.Result result = HttpServerOnSluice.run(new PrintStream(printed, true, StandardCharsets.UTF_8));

    assertThat(result.status()).isEqualTo(200);
    assertThat(result.body()).isEqualTo(HttpServerOnSluice.GREETING);
    // The exchange's connection (both ends: the client called the stack's own address) was Sluice's.
    assertThat(result.sluiceConnections()).isPositive();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("GET /hello -> 200 \"" + HttpServerOnSluice.GREETING + "\"");
  }
}
