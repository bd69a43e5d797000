"""nova-conductor and the API other services use to reach it."""


def API(*args, **kwargs):
    from nova.conductor import api
    return api.API(*args, **kwargs)


def ComputeTaskAPI(*args, **kwargs):
    from nova.conductor import api
    return api.ComputeTaskAPI(*args, **kwargs)
