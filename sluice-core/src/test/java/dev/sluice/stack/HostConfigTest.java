package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.tcp.TcpConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** HostConfig's builder, in TcpConfig's style: defaults, toBuilder, buildWith, validation. */
class HostConfigTest {
  @Test
  void defaults_areTheBuildersInitialValues() {
    HostConfig d = HostConfig.defaults();
    assertThat(d.workers()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(d.steering()).isEqualTo(Steering.STEER);
    assertThat(d.tcp()).isEqualTo(TcpConfig.defaults());
    assertThat(d.backlogLimit()).isEqualTo(1024);
    assertThat(d.watchdogNanos()).isEqualTo(30_000_000_000L);
    assertThat(d.callTimeoutNanos()).isEqualTo(60_000_000_000L);
    assertThat(d.timerTickNanos()).isEqualTo(1_000_000L);
    assertThat(d.timerSlots()).isEqualTo(512);
    assertThat(d.clock()).isSameAs(Clock.SYSTEM);
    assertThat(d.observer()).isSameAs(ConnectionObserver.NONE);
    assertThat(d.faults()).isSameAs(FaultInjection.NONE);
    assertThat(d.maxConnections()).isEqualTo(1_000_000);
    assertThat(d.random()).isNotSameAs(HostConfig.defaults().random()); // each host its own secrets
  }

  @Test
  void toBuilder_startsFromTheConfig_andBuildWithChangesOnlyWhatItSets() {
    SplittableRandom random = new SplittableRandom(5);
    HostConfig a = HostConfig.builder().buildWith(h -> {
      h.workers = 3;
      h.steering = Steering.SPRAY;
      h.maxConnections = 77;
      h.random = random;
    });
    assertThat(a.toBuilder().build()).isEqualTo(a);
    HostConfig b = a.toBuilder().buildWith(h -> h.watchdogNanos = 0);
    assertThat(b.watchdogNanos()).isZero();
    assertThat(b.workers()).isEqualTo(3);
    assertThat(b.steering()).isEqualTo(Steering.SPRAY);
    assertThat(b.maxConnections()).isEqualTo(77);
    assertThat(b.random()).isSameAs(random);
    assertThat(a.watchdogNanos()).as("a record: unchanged").isEqualTo(30_000_000_000L);
  }

  @Test
  void build_validates() {
    assertThatThrownBy(() -> HostConfig.builder().buildWith(h -> h.workers = 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workers");
    assertThatThrownBy(() -> HostConfig.builder().buildWith(h -> h.timerSlots = 500))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
    assertThatThrownBy(() -> HostConfig.builder().buildWith(h -> h.clock = null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
