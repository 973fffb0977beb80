package dev.sluice;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering of docs/architecture.md, enforced: {@code wire} imports nothing of ours, {@code link}
 * and {@code tcp} import only {@code wire}, and nothing in the core depends on a tool.
 */
@AnalyzeClasses(packages = "dev.sluice", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
  @ArchTest
  static final ArchRule wireImportsNothingOfOurs =
      noClasses().that().resideInAPackage("dev.sluice.wire..")
          .should().dependOnClassesThat().resideInAnyPackage(
              "dev.sluice.link..", "dev.sluice.tcp..", "dev.sluice.stack..", "dev.sluice.api..",
              "dev.sluice.cli..", "dev.sluice.bench..");

  @ArchTest
  static final ArchRule linkImportsOnlyWire =
      noClasses().that().resideInAPackage("dev.sluice.link..")
          .should().dependOnClassesThat().resideInAnyPackage(
              "dev.sluice.tcp..", "dev.sluice.stack..", "dev.sluice.api..", "dev.sluice.cli..",
              "dev.sluice.bench..");

  @ArchTest
  static final ArchRule tcpImportsOnlyWire =
      noClasses().that().resideInAPackage("dev.sluice.tcp..")
          .should().dependOnClassesThat().resideInAnyPackage(
              "dev.sluice.link..", "dev.sluice.stack..", "dev.sluice.api..", "dev.sluice.cli..",
              "dev.sluice.bench..")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule stackImportsNeitherApiNorTools =
      noClasses().that().resideInAPackage("dev.sluice.stack..")
          .should().dependOnClassesThat().resideInAnyPackage(
              "dev.sluice.api..", "dev.sluice.cli..", "dev.sluice.bench..");

  @ArchTest
  static final ArchRule coreDependsOnTheJdkOnly =
      noClasses().that().resideInAPackage("dev.sluice..")
          .should().dependOnClassesThat().resideOutsideOfPackages("dev.sluice..", "java..", "javax..", "jdk..");
}
