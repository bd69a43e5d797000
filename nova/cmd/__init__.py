"""One module per console script; each has a main().

The concurrency backend (threads or eventlet) is chosen when the ``nova``
package is imported, before any of these modules run.
"""
