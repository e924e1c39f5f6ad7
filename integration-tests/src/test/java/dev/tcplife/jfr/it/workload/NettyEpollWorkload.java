package dev.tcplife.jfr.it.workload;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * Netty's native epoll transport, which connects and accepts in JNI: no JDK socket class runs, so the agent's
 * hooks see nothing and the connecting thread must be found from the kernel's thread id. Usage:
 * {@code NettyEpollWorkload <truth-file> <sessions>}.
 *
 * <p>An echo server ("netty-boss", "netty-worker-N") and a client event loop ("netty-client-N") on loopback; the
 * client opens {@code sessions} connections one after another, sends a byte, reads the echo and closes. The truth
 * file has one line per client session: {@code client lport rport thread}, the thread being the event loop that
 * made the connect (Netty connects on the channel's loop).
 */
public final class NettyEpollWorkload {
    /** The boss loop's one thread: it accepts every connection. */
    public static final String ACCEPTING_THREAD = "netty-boss-0";

    public static void main(String[] args) throws Exception {
        Path truthFile = Path.of(args[0]);
        int sessions = Integer.parseInt(args[1]);
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("Netty's epoll transport is not available", Epoll.unavailabilityCause());
        }
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, named("netty-boss"), EpollIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, named("netty-worker"), EpollIoHandler.newFactory());
        EventLoopGroup clients = new MultiThreadIoEventLoopGroup(2, named("netty-client"), EpollIoHandler.newFactory());
        ConcurrentLinkedQueue<String> truth = new ConcurrentLinkedQueue<>();
        try {
            Channel server = new ServerBootstrap().group(boss, workers).channel(EpollServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext context, Object message) {
                                    context.writeAndFlush(message);
                                }
                            });
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            Bootstrap client = new Bootstrap().group(clients).channel(EpollSocketChannel.class);
            for (int i = 0; i < sessions; i++) {
                CompletableFuture<String> connectedOn = new CompletableFuture<>();
                CompletableFuture<Void> echoed = new CompletableFuture<>();
                Channel channel = client.handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext context) {
                        connectedOn.complete(Thread.currentThread().getName());
                        context.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1}));
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext context, Object message) {
                        ((ByteBuf) message).release();
                        echoed.complete(null);
                    }
                }).connect(address).sync().channel();
                echoed.get(10, TimeUnit.SECONDS);
                int localPort = ((InetSocketAddress) channel.localAddress()).getPort();
                channel.close().sync();
                truth.add("client\t" + localPort + "\t" + address.getPort() + "\t" + connectedOn.get());
            }
            // The event loops live on a while, as a service's do: the agent names a new loop's thread at its next
            // look at the JVM's threads, a quarter of a second away at most; a thread that has ended by then keeps
            // its name and id in the event, not its Thread (README).
            Thread.sleep(1000);
            server.close().sync();
        } finally {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        Files.write(truthFile, List.copyOf(truth));
        System.out.println("netty epoll: " + truth.size() + " client sessions at " + Instant.now());
    }

    /** Threads named prefix-N, each marking itself first (its OS thread id, for the test). */
    private static ThreadFactory named(String prefix) {
        int[] next = {0};
        return task -> {
            Thread thread = new Thread(() -> {
                ThreadMarker.mark();
                task.run();
            }, prefix + "-" + next[0]++);
            thread.setDaemon(true);
            return thread;
        };
    }
}
