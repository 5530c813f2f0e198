package org.anytls4j.core.inject;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.Ticker;
import org.anytls4j.core.admin.MeterConventions;
import org.anytls4j.core.runtime.DefaultNettyResources;
import org.anytls4j.core.runtime.Host;

/**
 * Binds the host's shared services: the system {@link Ticker}, one set of event loops ({@link NettyResources}),
 * one Prometheus {@link MeterRegistry} (also bound as {@link PrometheusMeterRegistry}, for the admin endpoint), and
 * the {@link Host}. Singletons, created eagerly in {@code Stage.PRODUCTION}.
 *
 * <h2>Lifecycle</h2>
 * Only binds; sockets are opened by {@link Host#start}, and {@link Host#close()} releases the event loops.
 */
public final class HostModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(Ticker.class).toInstance(Ticker.SYSTEM);
        bind(DefaultNettyResources.class).in(Singleton.class);
        bind(NettyResources.class).to(DefaultNettyResources.class);
        bind(MeterRegistry.class).to(PrometheusMeterRegistry.class);
        bind(Host.class).in(Singleton.class);
    }

    @Provides
    @Singleton
    PrometheusMeterRegistry prometheusMeterRegistry() {
        return MeterConventions.newRegistry();
    }
}
