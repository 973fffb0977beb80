/**
 * The application surface of Sluice: {@link dev.sluice.api.NetStack} (built once, with its
 * devices and addresses), {@link dev.sluice.api.TcpServer} and {@link dev.sluice.api.TcpConnection}.
 * It follows {@code java.net}: streams, half-close, timeouts, the usual options, and the usual
 * exceptions ({@code ConnectException}, {@code SocketTimeoutException}, {@code SocketException},
 * {@code BindException}), each naming the connection. Blocking calls park and never pin, so each
 * of many virtual threads may block on its own connection.
 */
package dev.sluice.api;
