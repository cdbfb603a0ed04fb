import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from newretail.core.models import Job

pytestmark = pytest.mark.django_db


def test_job_files_are_private(merchant):
    """Exports hold a merchant's whole catalogue: they must not be reachable under /media/."""
    job = Job.objects.create(merchant=merchant, kind="test")
    job.result_file.save("export.xlsx", ContentFile(b"secret"), save=True)
    path = job.result_file.path
    assert path.startswith(str(settings.PRIVATE_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        job.result_file.url  # noqa: B018  (no public URL at all)
