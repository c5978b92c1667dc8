/**
 * Configuration: every key declared once ({@link org.metamut.jobs.config.ConfigKey}, gathered in
 * {@link org.metamut.jobs.config.Keys}), defaults in {@code reference.conf}, layered loading and
 * validation in {@link org.metamut.jobs.config.MetamutConfig}.
 *
 * <p>Invariants: nothing outside this package calls Typesafe Config getters; an unknown key under
 * {@code metamut} is an error; every error names the key, the value, its origin (file:line) and what is
 * accepted. Executors never see a {@code Config}, only the typed settings records built from it.
 */
package org.metamut.jobs.config;
