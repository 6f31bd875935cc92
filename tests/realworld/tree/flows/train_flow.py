from metaflow import FlowSpec, IncludeFile, Parameter, step


class TrainFlow(FlowSpec):
    alpha = Parameter("alpha", default=0.5)
    max_rows = Parameter(name="max-rows", default=100)
    data = IncludeFile("data-file", default="data.csv")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
