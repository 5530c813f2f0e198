package org.anytls4j.core.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} and {@code GET /pool} for {@link AdminServer}; anything else is {@code 404}, other
 * methods {@code 405}, a malformed request {@code 400}.
 *
 * <h2>Threading and ownership</h2>
 * Sharable and stateless; runs on each connection's event loop. The aggregated request is released by
 * {@link SimpleChannelInboundHandler}. A {@code /pool} answer is written from the views' completion, back on the
 * connection's loop; a view that does not answer within {@value #POOL_VIEW_TIMEOUT_SECONDS}s yields {@code 503}.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    static final int MAX_REQUEST_BODY = 8192;
    static final int POOL_VIEW_TIMEOUT_SECONDS = 5;
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final List<PoolView> pools;

    AdminHandler(PrometheusMeterRegistry registry, List<PoolView> pools) {
        this.registry = registry;
        this.pools = pools;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            send(ctx, false, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8",
                    "malformed request: " + request.decoderResult().cause().getMessage() + "\n");
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (!path.equals("/metrics") && !path.equals("/pool")) {
            send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                    "not found: " + path + " (try /metrics or /pool)\n");
            return;
        }
        if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
            send(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                    "method " + request.method() + " not allowed; use GET\n");
            return;
        }
        if (path.equals("/metrics")) {
            send(ctx, keepAlive, HttpResponseStatus.OK, PROMETHEUS_TEXT, registry.scrape());
            return;
        }
        pool(ctx, keepAlive);
    }

    private void pool(ChannelHandlerContext ctx, boolean keepAlive) {
        List<CompletableFuture<List<SessionInfo>>> stages = pools.stream()
                .map(p -> p.sessions().toCompletableFuture().orTimeout(POOL_VIEW_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .toList();
        List<CompletableFuture<Optional<CreationInfo>>> creations = pools.stream()
                .map(p -> p.creation().toCompletableFuture().orTimeout(POOL_VIEW_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .toList();
        List<CompletableFuture<OptionalInt>> creating = pools.stream()
                .map(p -> p.creating().toCompletableFuture().orTimeout(POOL_VIEW_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .toList();
        List<CompletableFuture<?>> all = new ArrayList<>(stages);
        all.addAll(creations);
        all.addAll(creating);
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((ignored, failure) ->
                ctx.executor().execute(() -> {
                    if (failure != null) {
                        log.warn("admin /pool: a pool view failed: {}", failure.toString());
                        send(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                                "a pool view failed: " + failure.getMessage() + "\n");
                        return;
                    }
                    List<PoolJson.Outbound> outbounds = new ArrayList<>();
                    for (int i = 0; i < pools.size(); i++) {
                        outbounds.add(new PoolJson.Outbound(pools.get(i), stages.get(i).join(),
                                creations.get(i).join(), creating.get(i).join()));
                    }
                    send(ctx, keepAlive, HttpResponseStatus.OK, "application/json",
                            PoolJson.render(outbounds, Instant.now()) + "\n");
                }));
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status,
            String contentType, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection {} error: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
