package org.anytls4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a type (or member) whose signature changes only in a new major version of the API ({@link ApiVersion}):
 * plugins may depend on it across minor releases. Its javadoc states its contract (what it means, what it
 * guarantees, its threading), never how the host implements it.
 *
 * <h2>How a {@code @Stable} type evolves within a major version</h2>
 * <ul>
 *   <li>A minor version may add: types; interface methods with a default (an interface only the host implements,
 *       such as a context, a session or a meter, may also gain abstract ones); accessors, static factories and
 *       builder setters on value types, a new setter's default keeping the old meaning; constants (reasons,
 *       {@code ORDER_*}).</li>
 *   <li>It never removes, renames or changes the signature of a member, and never changes documented behaviour;
 *       what is superseded is {@link Deprecated @Deprecated} and stays until the next major version.</li>
 *   <li>Value types are final classes built through factories and builders, so that they can grow; plugins build
 *       them that way (never by a constructor) and read them through accessors. Equality is by value.</li>
 * </ul>
 * A patch version changes documentation or fixes behaviour to match it. See {@code docs/PLUGINS.md}, "The
 * compatibility promise".
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD, ElementType.PACKAGE})
public @interface Stable {
}
