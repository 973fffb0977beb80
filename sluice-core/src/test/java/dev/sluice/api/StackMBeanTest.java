package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/**
 * Each running stack has an MBean on the platform MBean server, {@code
 * dev.sluice:type=NetStack,name="NAME"}, with its nstat-style counters and its connection table as
 * open types; it goes when the stack closes, and a stack built with {@code jmx(false)} has none.
 */
class StackMBeanTest {
  private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

  private static ObjectName nameOf(NetStack stack) throws Exception {
    return new ObjectName("dev.sluice:type=NetStack,name=" + ObjectName.quote(stack.name()));
  }

  @Test
  void twoStacks_eachHaveAnMBean_withCountersAndTheConnectionTable_untilClosed() throws Exception {
    SimulatedNetwork network = new SimulatedNetwork(5);
    SimulatedLink link = network.connect("a0", "b0", SimulatedLink.Config.defaults()
        .withImpairments(Impairments.NONE.withDelay(50_000)));
    try (AutoCloseable pump = network.runInRealTime();
        NetStack a = NetStack.builder().name("mbean-a").addInterface(link.a(), "198.18.0.1/24").workers(1).build();
        NetStack b = NetStack.builder().name("mbean-b").addInterface(link.b(), "198.18.0.2/24").workers(1).build()) {
      assertThat(SERVER.queryNames(new ObjectName("dev.sluice:type=NetStack,*"), null))
          .contains(nameOf(a), nameOf(b));
      assertThat(SERVER.getAttribute(nameOf(a), "Name")).isEqualTo("mbean-a");

      TcpServer listener = b.listen(7);
      TcpConnection client = a.connect(TwoStacks.server(7));
      TcpConnection server = listener.accept();
      client.getOutputStream().write("unread bytes".getBytes(StandardCharsets.US_ASCII));
      client.getOutputStream().flush();
      long deadline = System.nanoTime() + 10_000_000_000L;
      CompositeData[] rows;
      do {
        rows = (CompositeData[]) SERVER.getAttribute(nameOf(b), "Connections");
        Thread.sleep(20);
      } while ((rows.length != 1 || (int) rows[0].get("recvQ") != 12) && System.nanoTime() < deadline);
      assertThat(rows).hasSize(1);
      CompositeData row = rows[0];
      assertThat(row.get("local")).isEqualTo("198.18.0.2:7");
      assertThat((String) row.get("peer")).startsWith("198.18.0.1:");
      assertThat(row.get("state")).isEqualTo("ESTAB");
      assertThat(row.get("recvQ")).as("the 12 bytes the server has not read").isEqualTo(12);
      assertThat((long) row.get("segmentsIn")).isGreaterThanOrEqualTo(2);
      assertThat((long) row.get("cwndSegments")).isPositive();
      assertThat((String) SERVER.getAttribute(nameOf(b), "ConnectionTable")).contains("ESTAB", "198.18.0.2:7");
      assertThat(SERVER.getAttribute(nameOf(b), "ConnectionCount")).isEqualTo(1);

      CompositeData counters = (CompositeData) SERVER.getAttribute(nameOf(a), "Counters");
      assertThat((long) counters.get("TcpActiveOpens")).isEqualTo(1);
      assertThat((long) counters.get("TcpOutSegs")).isGreaterThanOrEqualTo(3); // SYN, ACK, data
      assertThat((long) ((CompositeData) SERVER.getAttribute(nameOf(b), "Counters")).get("TcpPassiveOpens"))
          .isEqualTo(1);
      assertThat(SERVER.getAttribute(nameOf(a), "OwnershipViolations")).isEqualTo(0L);

      ObjectName gone = nameOf(a);
      a.close();
      assertThat(SERVER.isRegistered(gone)).as("a closed stack's MBean is unregistered").isFalse();
      assertThat(SERVER.isRegistered(nameOf(b))).isTrue();
      server.close();
    }
  }

  @Test
  void aNameInUse_getsASuffix_andJmxOff_registersNothing() throws Exception {
    SimulatedNetwork network = new SimulatedNetwork(6);
    SimulatedLink link = network.connect("c0", "d0", SimulatedLink.Config.defaults());
    try (NetStack first = NetStack.builder().name("twin").addInterface(link.a(), "198.18.0.1/24").workers(1).build();
        NetStack second = NetStack.builder().name("twin").addInterface(link.b(), "198.18.0.2/24").workers(1).build();
        NetStack quiet = NetStack.builder().jmx(false).addInterface(new SimulatedNetwork(7)
            .connect("e0", "f0", SimulatedLink.Config.defaults()).a(), "198.18.0.3/24").workers(1).build()) {
      assertThat(first.name()).isEqualTo("twin");
      assertThat(second.name()).isEqualTo("twin-2");
      assertThat(SERVER.isRegistered(nameOf(second))).isTrue();
      assertThat(SERVER.isRegistered(nameOf(quiet))).isFalse();
      assertThat(Arrays.stream(SERVER.getMBeanInfo(nameOf(first)).getAttributes()).map(a -> a.getName()))
          .contains("Counters", "Connections", "ConnectionTable");
    }
  }
}
