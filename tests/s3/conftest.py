"""The S3 suite runs against real servers started once per session."""

from tests.support.s3servers import loopback_settings, moto_s3, rclone_s3, s3_server

__all__ = ["loopback_settings", "moto_s3", "rclone_s3", "s3_server"]
