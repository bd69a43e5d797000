"""The vCenter session: login, re-login, call counting and task polling.

One ``VMwareSession`` per nova-compute. Every SOAP call pyVmomi makes goes
through the session's stub, which this module wraps so that

* every round trip is counted (``calls``, by method name in ``by_method``):
  the benchmark reads these figures;
* a call answered with ``NotAuthenticated`` (the session expired, or an
  administrator terminated it) logs in again once and is repeated, so
  references to managed objects held by the driver stay valid;
* a connection error is retried ``[vmware] api_retry_count`` times.

``wait_for_task`` polls a task every ``[vmware] task_poll_interval`` seconds
for at most ``[vmware] task_timeout`` seconds and turns a failed task into a
``TaskFailed`` that names the task, its target and vCenter's message.
"""

import collections
import http.client
import ssl
import threading
import time

from oslo_log import log as logging
from pyVim import connect
from pyVmomi import vim
from pyVmomi import vmodl

import nova.conf
from nova import exception

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class VMwareDriverError(exception.NovaException):
    msg_fmt = "vCenter error: %(reason)s"


class LoginFailed(exception.HypervisorUnavailable):
    msg_fmt = "vCenter at %(endpoint)s refused the login of user %(user)s: %(reason)s"


class EndpointUnreachable(exception.HypervisorUnavailable):
    msg_fmt = "vCenter at %(endpoint)s is unreachable: %(reason)s"


class TaskFailed(VMwareDriverError):
    msg_fmt = "vCenter task %(task)s on %(target)s failed: %(reason)s"


class TaskTimedOut(VMwareDriverError):
    msg_fmt = ("vCenter task %(task)s on %(target)s did not finish within "
               "%(timeout)s s (last state %(state)s)")


def fault_message(fault):
    """A person-readable text of a vSphere fault (a MethodFault or LocalizedMethodFault)."""
    if fault is None:
        return "unknown error"
    if isinstance(fault, vmodl.MethodFault) or hasattr(fault, "msg"):
        msg = getattr(fault, "localizedMessage", None) or getattr(fault, "msg", None)
        name = type(fault).__name__.rsplit(".", 1)[-1]
        if isinstance(fault, vim.LocalizedMethodFault):
            inner = fault.fault
            name = type(inner).__name__.rsplit(".", 1)[-1] if inner is not None else name
            msg = msg or getattr(inner, "msg", None)
        return "%s: %s" % (name, msg) if msg else name
    return str(fault)


_CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, ssl.SSLError, OSError)


class VMwareSession:
    """A logged-in session with one vCenter (see the module docstring)."""

    def __init__(self, host, port=443, username=None, password=None, insecure=False,
                 ca_file=None, retry_count=10, poll_interval=0.5, task_timeout=600):
        self.host, self.port = host, port
        self.username, self._password = username, password
        self.insecure, self.ca_file = insecure, ca_file
        self.retry_count = retry_count
        self.poll_interval = poll_interval
        self.task_timeout = task_timeout
        self.si = None
        self.content = None
        self.calls = 0
        self.relogins = 0
        self.by_method = collections.Counter()
        self._lock = threading.Lock()
        self._login_lock = threading.Lock()
        self._local = threading.local()
        self._generation = 0

    @classmethod
    def from_conf(cls, conf=None):
        v = (conf or CONF).vmware
        if not v.host_ip:
            raise VMwareDriverError(reason="[vmware] host_ip is not set")
        return cls(v.host_ip, v.host_port, v.host_username, v.host_password,
                   insecure=v.insecure, ca_file=v.ca_file, retry_count=v.api_retry_count,
                   poll_interval=v.task_poll_interval, task_timeout=v.task_timeout)

    @property
    def endpoint(self):
        return "%s:%s" % (self.host, self.port)

    def ssl_context(self):
        if self.insecure:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        return ssl.create_default_context(cafile=self.ca_file)

    # -- login -------------------------------------------------------------------

    def connect(self):
        """Log in; LoginFailed or EndpointUnreachable (HypervisorUnavailable) when not."""
        try:
            si = connect.SmartConnect(host=self.host, port=self.port, user=self.username or "",
                                      pwd=self._password or "", sslContext=self.ssl_context(),
                                      httpConnectionTimeout=30)
        except vim.fault.InvalidLogin as exc:
            raise LoginFailed(endpoint=self.endpoint, user=self.username,
                              reason=fault_message(exc)) from exc
        except vmodl.MethodFault as exc:
            raise EndpointUnreachable(endpoint=self.endpoint,
                                      reason=fault_message(exc)) from exc
        except _CONNECTION_ERRORS as exc:
            raise EndpointUnreachable(endpoint=self.endpoint, reason=exc) from exc
        except Exception as exc:   # pyVim raises plain Exceptions on protocol mismatches
            raise EndpointUnreachable(endpoint=self.endpoint, reason=exc) from exc
        self._count("Login")
        self.si = si
        self._instrument(si._stub)
        self.content = si.RetrieveContent()
        LOG.info("Logged in to vCenter at %s (%s) as %s", self.endpoint,
                 self.content.about.fullName, self.username)
        return self

    def relogin(self, generation=None):
        """Log in again on the same stub (references held elsewhere stay valid).

        ``generation`` is the login generation the caller's failed call ran
        under: when another thread has logged in since, nothing more is done."""
        with self._login_lock:
            if generation is not None and generation != self._generation:
                return
            self._local.in_login = True
            try:
                self.content.sessionManager.Login(self.username, self._password)
            except vim.fault.InvalidLogin as exc:
                raise LoginFailed(endpoint=self.endpoint, user=self.username,
                                  reason=fault_message(exc)) from exc
            finally:
                self._local.in_login = False
            self.relogins += 1
            self._generation += 1
        LOG.warning("vCenter session at %s had expired: logged in again", self.endpoint)

    def logout(self):
        if self.si is None:
            return
        try:
            self.content.sessionManager.Logout()
        except Exception as exc:
            LOG.debug("Logging out of %s: %s", self.endpoint, exc)
        self.si = None

    @property
    def session_key(self):
        current = self.content.sessionManager.currentSession
        return current.key if current is not None else None

    # -- the instrumented stub --------------------------------------------------------

    def _count(self, name):
        with self._lock:
            self.calls += 1
            self.by_method[name] += 1
        scope = getattr(self._local, "scope", None)
        if scope is not None:
            scope[name] += 1

    def counting(self):
        """A context manager counting this thread's round trips into a Counter."""
        session = self

        class _Scope:
            def __enter__(self):
                self.counter = collections.Counter()
                self.outer = getattr(session._local, "scope", None)
                session._local.scope = self.counter
                return self.counter

            def __exit__(self, *exc):
                session._local.scope = self.outer
                if self.outer is not None:
                    self.outer.update(self.counter)
                return False

        return _Scope()

    def reset_counts(self):
        with self._lock:
            self.calls = 0
            self.by_method.clear()

    def _instrument(self, stub):
        invoke = stub.InvokeMethod
        session = self

        def invoke_method(mo, info, args, outerStub=None):
            name = info.wsdlName if info.wsdlName != "Fetch" else "Fetch:" + str(args[0])
            attempt = 0
            relogged = False
            while True:
                session._count(name)
                generation = session._generation
                try:
                    return invoke(mo, info, args, outerStub)
                except vim.fault.NotAuthenticated:
                    if relogged or getattr(session._local, "in_login", False) \
                            or info.wsdlName in ("Login", "Logout"):
                        raise
                    session.relogin(generation)
                    relogged = True
                except _CONNECTION_ERRORS as exc:
                    attempt += 1
                    if attempt > session.retry_count:
                        raise EndpointUnreachable(endpoint=session.endpoint,
                                                  reason=exc) from exc
                    LOG.warning("vCenter call %s failed (%s); retry %d of %d", name, exc,
                                attempt, session.retry_count)
                    time.sleep(min(0.2 * attempt, 2.0))

        stub.InvokeMethod = invoke_method

    # -- tasks -------------------------------------------------------------------------

    def _task_info(self, task):
        """The task's state, error, result and names: one RetrievePropertiesEx.

        Read property by property rather than the whole TaskInfo: the
        simulator puts non-entities (FileManager) in info.entity, which
        pyVmomi refuses to deserialize."""
        from nova.virt.vmwareapi import vim_util
        return vim_util.properties(self, task, ("info.state", "info.error", "info.result",
                                                "info.descriptionId", "info.entityName"))

    def wait_for_task(self, task, what=None):
        """Poll ``task`` until it succeeds (its result) or fails (TaskFailed)."""
        deadline = time.monotonic() + self.task_timeout
        info = self._task_info(task)
        name = what or info.get("info.descriptionId") or task._moId
        target = info.get("info.entityName") or "vCenter"
        while True:
            state = info.get("info.state")
            if state == vim.TaskInfo.State.success:
                return info.get("info.result")
            if state == vim.TaskInfo.State.error:
                error = info.get("info.error")
                exc = TaskFailed(task=name, target=target, reason=fault_message(error))
                exc.vim_fault = (error.fault if isinstance(error, vim.LocalizedMethodFault)
                                 else error)
                raise exc
            if time.monotonic() > deadline:
                raise TaskTimedOut(task=name, target=target, timeout=self.task_timeout,
                                   state=state)
            time.sleep(self.poll_interval)
            info = self._task_info(task)

    def call_task(self, method, *args, what=None, **kwargs):
        """Start a ``*_Task`` method and wait for it; its result."""
        task = method(*args, **kwargs)
        return self.wait_for_task(task, what=what)
