package dev.sluice;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The layering of docs/architecture.md, enforced: {@code wire} imports nothing of ours, {@code link}
 * and {@code tcp} import only {@code wire}, and nothing in the core depends on a tool. And the
 * packages that {@code module-info.java} does not export to everyone ({@code stack}, {@code tcp},
 * {@code link.internal}, {@code api.internal}) make a class public only if another package uses it.
 */
@AnalyzeClasses(packages = "dev.sluice", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
  /** The core's packages that are not exported to everyone: their public classes are for other packages. */
  static final String[] NOT_EXPORTED = {
      "dev.sluice.stack", "dev.sluice.tcp", "dev.sluice.link.internal", "dev.sluice.api.internal",
      "dev.sluice.nio.internal"};

  /**
   * Public classes of those packages that nothing outside their package uses, each with why it is
   * still public. Only ever remove entries: {@link #everyStillPublicEntryIsStillNeeded} fails on
   * one that is no longer public or is now used elsewhere.
   */
  static final Map<String, String> STILL_PUBLIC = Map.of(); // the engine split made the last five package-private

  /**
   * Public classes of those packages that only another module calls, directly and not through a
   * public signature the core's own code reaches, each with its user (the module-info's qualified
   * exports say which modules may). {@link #everyOtherModuleEntryIsPublicAndUnusedHere} fails on
   * one that is gone, no longer public, or now used within the core (then it needs no entry).
   */
  static final Map<String, String> FOR_OTHER_MODULES = Map.of(
      "dev.sluice.stack.StackExit", "sluice-gateway's TcpRelay pumps a guest's bytes on the receiving thread");

  /**
   * Every class of the core, tests included (a test in another package that uses a class needs it
   * public too), for {@link #USED_ELSEWHERE}.
   */
  private static final class Everything {
    static final JavaClasses CLASSES = new ClassFileImporter().importPackages("dev.sluice");
    static final Set<String> USED_ELSEWHERE = usedElsewhere(CLASSES);
  }

  private static String topLevel(JavaClass c) {
    String name = c.getBaseComponentType().getName();
    int dollar = name.indexOf('$');
    return dollar < 0 ? name : name.substring(0, dollar);
  }

  private static String packageOf(String className) {
    int dot = className.lastIndexOf('.');
    return dot < 0 ? "" : className.substring(0, dot);
  }

  /**
   * The top-level classes that a class of another package depends on, and, since a public
   * signature must name public types, the types in the public signatures (supertypes, public
   * fields, public methods' and constructors' parameters and results) of those classes and of
   * their public nested classes, transitively, within the same package. That second part catches
   * what bytecode does not show as a dependency: a lambda's interface ({@code stack.Clock}, passed
   * to {@code HostConfig}), and what only another module (the CLI, torture) reaches through a
   * public signature.
   */
  static Set<String> usedElsewhere(JavaClasses classes) {
    Set<String> used = new HashSet<>();
    for (JavaClass origin : classes) {
      for (Dependency d : origin.getDirectDependenciesFromSelf()) {
        String target = topLevel(d.getTargetClass());
        if (!packageOf(topLevel(origin)).equals(packageOf(target))) {
          used.add(target);
        }
      }
    }
    Deque<String> work = new ArrayDeque<>(used);
    while (!work.isEmpty()) {
      String name = work.pop();
      for (JavaClass c : classes) {
        if (!topLevel(c).equals(name) || !c.getModifiers().contains(JavaModifier.PUBLIC)) {
          continue;
        }
        for (JavaClass type : publicSignatureTypes(c)) {
          String t = topLevel(type);
          if (packageOf(t).equals(packageOf(name)) && used.add(t)) {
            work.push(t);
          }
        }
      }
    }
    return used;
  }

  private static List<JavaClass> publicSignatureTypes(JavaClass c) {
    List<JavaClass> types = new ArrayList<>();
    c.getRawSuperclass().ifPresent(types::add);
    types.addAll(c.getRawInterfaces());
    for (JavaMember m : c.getMembers()) {
      if (!m.getModifiers().contains(JavaModifier.PUBLIC)) {
        continue;
      }
      if (m instanceof JavaField f) {
        types.add(f.getRawType());
      } else if (m instanceof JavaCodeUnit u) {
        types.add(u.getRawReturnType());
        types.addAll(u.getRawParameterTypes());
      }
    }
    return types;
  }

  private static final ArchCondition<JavaClass> BE_USED_OUTSIDE_THEIR_PACKAGE =
      new ArchCondition<>("be used outside their package (else be package-private)") {
        @Override
        public void check(JavaClass c, ConditionEvents events) {
          if (!Everything.USED_ELSEWHERE.contains(c.getName()) && !STILL_PUBLIC.containsKey(c.getName())
              && !FOR_OTHER_MODULES.containsKey(c.getName())) {
            events.add(SimpleConditionEvent.violated(c, c.getName() + " is public, but nothing outside "
                + c.getPackageName() + " uses it, not even the core's tests: make it package-private"));
          }
        }
      };

  @ArchTest
  static final ArchRule notExportedPackagesMakeAClassPublicOnlyIfAnotherPackageUsesIt =
      classes().that().resideInAnyPackage(NOT_EXPORTED).and().arePublic().and().areTopLevelClasses()
          .should(BE_USED_OUTSIDE_THEIR_PACKAGE);

  @ArchTest
  static void everyStillPublicEntryIsStillNeeded(JavaClasses mainClasses) {
    assertThat(stale(STILL_PUBLIC.keySet(), mainClasses))
        .as("gone, package-private or used elsewhere now: delete from LayeringTest.STILL_PUBLIC").isEmpty();
  }

  @ArchTest
  static void everyOtherModuleEntryIsPublicAndUnusedHere(JavaClasses mainClasses) {
    assertThat(stale(FOR_OTHER_MODULES.keySet(), mainClasses))
        .as("gone, package-private or used within the core now: delete from LayeringTest.FOR_OTHER_MODULES")
        .isEmpty();
  }

  /** Of {@code names}, those gone, no longer public, or used outside their package in the core. */
  private static Set<String> stale(Set<String> names, JavaClasses mainClasses) {
    Set<String> stale = new TreeSet<>();
    for (String name : names) {
      if (!mainClasses.contain(name) || !mainClasses.get(name).getModifiers().contains(JavaModifier.PUBLIC)
          || Everything.USED_ELSEWHERE.contains(name)) {
        stale.add(name);
      }
    }
    return stale;
  }

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
              "dev.sluice.api..", "dev.sluice.nio..", "dev.sluice.cli..", "dev.sluice.bench..");

  /**
   * The NIO provider sits beside the api on the runtime, not on top of the api: the api hands out
   * its provider ({@code NetStack.selectorProvider()}), so the other direction would be a cycle.
   */
  @ArchTest
  static final ArchRule nioImportsNotTheApi =
      noClasses().that().resideInAPackage("dev.sluice.nio..")
          .should().dependOnClassesThat().resideInAnyPackage("dev.sluice.api..", "dev.sluice.cli..",
              "dev.sluice.torture..", "dev.sluice.bench..");

  @ArchTest
  static final ArchRule coreDependsOnTheJdkOnly =
      noClasses().that().resideInAPackage("dev.sluice..")
          .should().dependOnClassesThat().resideOutsideOfPackages("dev.sluice..", "java..", "javax..", "jdk..");
}
