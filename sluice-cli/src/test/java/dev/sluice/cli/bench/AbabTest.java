package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AbabTest {
  @Test
  void sidesAlternate_withinEachVariant_repetitionAfterRepetition() {
    List<Abab.Run<String, String>> runs = Abab.schedule(List.of("v"), List.of("A", "B"), 5);
    assertThat(runs).extracting(Abab.Run::side).containsExactly("A", "B", "A", "B", "A", "B", "A", "B", "A", "B");
    assertThat(runs).extracting(Abab.Run::rep).containsExactly(1, 1, 2, 2, 3, 3, 4, 4, 5, 5);
    assertThat(runs).noneMatch(Abab.Run::warmup);
  }

  @Test
  void everyRepetitionVisitsEveryVariant_andEachVariantAlternatesSides() {
    List<Abab.Run<String, String>> runs = Abab.schedule(List.of("x", "y"), List.of("A", "B"), 2);
    assertThat(runs).extracting(r -> r.rep() + r.variant() + r.side())
        .containsExactly("1xA", "1xB", "1yA", "1yB", "2xA", "2xB", "2yA", "2yB");
  }

  @Test
  void warmUpRoundsComeFirst_inTheSameOrder_andAreMarked() {
    List<Abab.Run<String, String>> runs = Abab.schedule(List.of("v"), List.of("A", "B", "C"), 2, 1);
    assertThat(runs).extracting(r -> r.rep() + r.side()).containsExactly("0A", "0B", "0C", "1A", "1B", "1C", "2A", "2B", "2C");
    assertThat(runs).extracting(Abab.Run::warmup).containsExactly(true, true, true, false, false, false, false, false, false);
  }

  @Test
  void eachSideRunsExactlyRepsTimesPerVariant() {
    List<Abab.Run<Integer, String>> runs = Abab.schedule(List.of(1, 2, 3), List.of("A", "B"), 7);
    assertThat(runs).hasSize(42);
    assertThat(runs.stream().filter(r -> r.side().equals("B") && r.variant() == 2)).hasSize(7);
  }

  @Test
  void noRepetitions_isAnError() {
    assertThatThrownBy(() -> Abab.schedule(List.of("v"), List.of("A"), 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
