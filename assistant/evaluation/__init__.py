"""`assistant eval`: datasets (dataset.py), metrics with their published definitions
(metrics.py), the judges that decide support (judges.py), the run (runner.py), the
reports (report.py), and the offline judge's calibration (calibrate.py). See eval/README.md."""
