"""[DEFAULT] config drive options: when an instance gets one and how it is written."""

from oslo_config import cfg

opts = [
    cfg.BoolOpt("force_config_drive", default=False,
        help='Give every instance a config drive, whatever the request or the image '
             'asks. Otherwise an instance gets one when its create request set '
             'config_drive or its image has img_config_drive=mandatory.'),
    cfg.StrOpt("config_drive_format", default="iso9660", choices=("iso9660", "vfat"),
        help='File system of config drives: iso9660 (a CD-ROM image labelled '
             'config-2) or vfat (a disk image labelled config-2).'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return {"DEFAULT": opts}
