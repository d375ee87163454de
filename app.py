"""Start the web app on the bundled article: `python app.py [--host HOST] [--port PORT]`.

The same as `qa serve`: http://127.0.0.1:7860 unless --host/--port or QA_HOST/QA_PORT say otherwise. It binds to
localhost only by default, creates no public share link and sends no analytics.
"""

from qa.cli import serve_command

if __name__ == "__main__":
    serve_command(prog_name="app.py")
