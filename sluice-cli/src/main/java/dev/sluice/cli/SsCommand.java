package dev.sluice.cli;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import dev.sluice.cli.json.CliJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice ss [PID]}: the connections of the Sluice stacks in a running JVM, as {@code ss
 * -tni} lists a kernel's. It attaches to the JVM (the Attach API), starts its local JMX agent if it
 * has none ({@code startLocalManagementAgent}, as JConsole does) and reads every stack's MBean,
 * {@code dev.sluice:type=NetStack,name=NAME} (see docs/observability.md).
 *
 * <p>Runs on the command's thread only.
 */
@Command(
    name = "ss",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the TCP connections of the Sluice stacks in a running Java process, as 'ss -tni' does.",
      "For each: state, queues, addresses, then a line of round-trip time, congestion window and counters.",
      "It reads each stack's MBean through the JDK's attach mechanism. Without PID it looks at every Java",
      "process of this user that has Sluice on its class or module path, shows the one that runs a stack,",
      "or lists them if several do. Exit status: 0 when shown, 2 if PID is not a Java process or runs no",
      "Sluice stack."
    })
final class SsCommand implements Callable<Integer> {
  static final int EXIT_NOT_FOUND = 2;
  private static final String QUERY = "dev.sluice:type=NetStack,*";

  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "PID",
      description = "The Java process to look into (default: the only one running a Sluice stack).")
  Long pid;

  @Option(names = "--json", description = "One line of JSON instead of the table.")
  boolean json;

  /** One stack's name and connection rows, as its MBean gave them. */
  record Stack(String name, List<Map<String, Object>> connections) {}

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      if (pid != null) {
        return show(pid, stacksOf(Long.toString(pid)));
      }
      return showTheOnlyOne();
    } catch (NotFound e) {
      err.println("sluice ss: " + e.getMessage());
      err.flush();
      return EXIT_NOT_FOUND;
    }
  }

  private int showTheOnlyOne() throws NotFound {
    String self = Long.toString(ProcessHandle.current().pid());
    Map<String, List<Stack>> found = new LinkedHashMap<>();
    for (VirtualMachineDescriptor vm : VirtualMachine.list()) {
      if (vm.id().equals(self) || !mayRunSluice(vm)) {
        continue;
      }
      try {
        List<Stack> stacks = stacksOf(vm.id());
        if (!stacks.isEmpty()) {
          found.put(vm.id(), stacks);
        }
      } catch (NotFound e) {
        // gone meanwhile, or not ours to attach to: not a candidate
      }
    }
    if (found.isEmpty()) {
      throw new NotFound("found no Java process running a Sluice stack (give its PID to look into one)");
    }
    if (found.size() == 1) {
      Map.Entry<String, List<Stack>> only = found.entrySet().iterator().next();
      return show(Long.parseLong(only.getKey()), only.getValue());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      List<Object> processes = new ArrayList<>();
      found.forEach((id, stacks) -> processes.add(processJson(Long.parseLong(id), stacks)));
      out.println(CliJson.write(Map.of("schema", 1, "processes", processes)));
    } else {
      out.println("Java processes running Sluice stacks ('sluice ss PID' shows one):");
      found.forEach((id, stacks) -> out.println(String.format(Locale.ROOT, "%8s  %s", id,
          String.join(", ", stacks.stream().map(s -> s.name() + " (" + s.connections().size() + " connections)").toList()))));
    }
    out.flush();
    return 0;
  }

  /**
   * Whether {@code vm} has Sluice on its class or module path or in its command: only those are
   * attached to when no PID is given, so that looking for stacks starts no JMX agent in
   * unrelated JVMs.
   */
  private static boolean mayRunSluice(VirtualMachineDescriptor vm) {
    if (vm.displayName().toLowerCase(Locale.ROOT).contains("sluice")) {
      return true;
    }
    try {
      VirtualMachine attached = VirtualMachine.attach(vm);
      try {
        Properties p = attached.getSystemProperties();
        for (String key : List.of("java.class.path", "jdk.module.path", "sun.java.command", "jdk.module.main")) {
          if (p.getProperty(key, "").toLowerCase(Locale.ROOT).contains("sluice")) {
            return true;
          }
        }
        return false;
      } finally {
        attached.detach();
      }
    } catch (AttachNotSupportedException | IOException e) {
      return false;
    }
  }

  /** Every Sluice stack of JVM {@code id}, read from its MBeans. */
  private static List<Stack> stacksOf(String id) throws NotFound {
    String address;
    try {
      VirtualMachine vm = VirtualMachine.attach(id);
      try {
        address = vm.startLocalManagementAgent();
      } finally {
        vm.detach();
      }
    } catch (AttachNotSupportedException | IOException | RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (id.equals(Long.toString(ProcessHandle.current().pid()))) {
        why = "a process cannot attach to itself";
      }
      throw new NotFound("process " + id + " is not a Java process this user can attach to (" + why + ")");
    }
    try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
      MBeanServerConnection server = connector.getMBeanServerConnection();
      Set<ObjectName> names = new TreeSet<>(server.queryNames(new ObjectName(QUERY), null));
      List<Stack> stacks = new ArrayList<>();
      for (ObjectName name : names) {
        String stackName = (String) server.getAttribute(name, "Name");
        CompositeData[] rows = (CompositeData[]) server.getAttribute(name, "Connections");
        List<Map<String, Object>> connections = new ArrayList<>();
        for (CompositeData row : rows) {
          Map<String, Object> values = new LinkedHashMap<>();
          for (String column : COLUMNS) {
            values.put(column, row.containsKey(column) ? row.get(column) : null);
          }
          connections.add(values);
        }
        stacks.add(new Stack(stackName, connections));
      }
      return stacks;
    } catch (IOException | JMException | ClassCastException e) {
      throw new NotFound("cannot read the Sluice MBeans of process " + id + ": " + e.getMessage());
    }
  }

  /** The MBean's row columns, in the order the table and JSON give them. */
  private static final List<String> COLUMNS = List.of("state", "recvQ", "sendQ", "local", "peer", "rtoMs", "rttMs",
      "rttVarMs", "mss", "cwndSegments", "ssthreshSegments", "retransmits", "segmentsIn", "segmentsOut", "backlog");

  private int show(long id, List<Stack> stacks) throws NotFound {
    if (stacks.isEmpty()) {
      throw new NotFound("process " + id + " runs no Sluice stack (it has no " + QUERY + " MBean)");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(CliJson.write(processJson(id, stacks)));
    } else {
      for (Stack stack : stacks) {
        out.println("Stack " + stack.name() + " in process " + id + ": " + stack.connections().size()
            + (stack.connections().size() == 1 ? " connection" : " connections"));
        out.print(table(stack.connections()));
      }
    }
    out.flush();
    return 0;
  }

  private static Map<String, Object> processJson(long id, List<Stack> stacks) {
    Map<String, Object> process = new LinkedHashMap<>();
    process.put("schema", 1);
    process.put("pid", id);
    process.put("stacks", stacks);
    return process;
  }

  /** The rows as {@code ss -tni} prints them: a line per connection, then its internals indented. */
  static String table(List<Map<String, Object>> rows) {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-11s %8s %8s %-45s %-45s%n", "State",
        "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port"));
    for (Map<String, Object> r : rows) {
      out.append(String.format(Locale.ROOT, "%-11s %8d %8d %-45s %-45s%n", r.get("state"), r.get("recvQ"),
          r.get("sendQ"), r.get("local"), r.get("peer")));
      long ssthresh = (long) r.get("ssthreshSegments");
      out.append(String.format(Locale.ROOT,
          "\t rto:%.0f rtt:%.3f/%.3f mss:%d cwnd:%d ssthresh:%s retrans:%d segs_in:%d segs_out:%d backlog:%d%n",
          (double) r.get("rtoMs"), (double) r.get("rttMs"), (double) r.get("rttVarMs"), r.get("mss"),
          r.get("cwndSegments"), ssthresh < 0 ? "-" : Long.toString(ssthresh), r.get("retransmits"),
          r.get("segmentsIn"), r.get("segmentsOut"), r.get("backlog")));
    }
    return out.toString();
  }

  /** The process is not there, not a JVM we may attach to, or runs no stack: one line, exit 2. */
  private static final class NotFound extends Exception {
    private static final long serialVersionUID = 1L;

    NotFound(String message) {
      super(message, null, false, false);
    }
  }
}
