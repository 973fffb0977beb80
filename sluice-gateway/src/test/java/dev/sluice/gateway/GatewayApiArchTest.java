package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The exported package is the whole API: no public or protected signature of {@code
 * dev.sluice.gateway} (return, parameter, thrown or field types, generic arguments included)
 * names a type of the machinery, {@code dev.sluice.gateway.relay}, which is not exported, so no
 * caller outside the module could use it; and the API package holds only the types the API
 * documents.
 */
class GatewayApiArchTest {
  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.sluice.gateway");

  private static boolean visible(Set<JavaModifier> modifiers) {
    return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
  }

  private static boolean isRelay(JavaClass type) {
    return type.getBaseComponentType().getPackageName().startsWith("dev.sluice.gateway.relay");
  }

  @Test
  void theApiPackageHoldsOnlyTheDocumentedTypes() {
    List<String> topLevel = CLASSES.stream().filter(c -> c.getPackageName().equals("dev.sluice.gateway"))
        .filter(c -> !c.getName().contains("$") && !c.getSimpleName().equals("package-info"))
        .map(JavaClass::getSimpleName).sorted().toList();
    assertThat(topLevel).containsExactly("Gateway", "GatewayCounters");
  }

  @Test
  void noPublicSignatureOfTheApiNamesARelayType() {
    List<String> leaks = new ArrayList<>();
    for (JavaClass c : CLASSES) {
      if (!c.getPackageName().equals("dev.sluice.gateway") || !visible(c.getModifiers())) {
        continue;
      }
      for (JavaCodeUnit unit : c.getCodeUnits()) {
        if (!visible(unit.getModifiers())) {
          continue;
        }
        List<JavaClass> named = new ArrayList<>(unit.getRawParameterTypes());
        named.add(unit.getRawReturnType());
        unit.getThrowsClause().getTypes().forEach(named::add);
        named.addAll(unit.getReturnType().getAllInvolvedRawTypes());
        unit.getParameterTypes().forEach(t -> named.addAll(t.getAllInvolvedRawTypes()));
        named.stream().filter(GatewayApiArchTest::isRelay).forEach(t -> leaks.add(unit.getFullName() + " names "
            + t.getName()));
      }
      for (JavaField field : c.getFields()) {
        if (visible(field.getModifiers()) && field.getType().getAllInvolvedRawTypes().stream()
            .anyMatch(GatewayApiArchTest::isRelay)) {
          leaks.add(field.getFullName());
        }
      }
    }
    assertThat(leaks).as("the API must not expose dev.sluice.gateway.relay").isEmpty();
    assertThat(CLASSES.contain(Gateway.class)).as("the classes were imported").isTrue();
  }
}
