from metaflow.decorators import FlowDecorator


class ShoutOption(FlowDecorator):
    name = "shout_option"
    options = {"shout_level": dict(default=None, show_default=False, help="how loud")}
