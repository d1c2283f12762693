"""The seed article's app, unchanged but for the import line (``from flask`` -> ``from kettle``)
and the port, read from ``PORT`` (5000 when unset) so ``make run PORT=8080`` can move it.

Run it with ``python examples/hello/app.py`` and open http://127.0.0.1:5000/.
"""

import os

from kettle import Kettle as Flask
from kettle import jsonify

app = Flask(__name__)


@app.route("/")
def home():
    return "Hello, Flask!"


@app.route("/about")
def about():
    return "About Page"


@app.route("/api/status")
def status():
    return jsonify({"status": "running"})


if __name__ == "__main__":
    app.run(debug=True, port=int(os.environ.get("PORT", 5000)))
