MODULE BenchSizeView;

	IMPORT Ports, Properties, Views;

	TYPE
		View* = POINTER TO RECORD (Views.View) END;

	PROCEDURE (v: View) HandlePropMsg- (VAR msg: Views.PropMessage);
	BEGIN
	END HandlePropMsg;

	PROCEDURE (v: View) Restore* (f: Views.Frame; l, t, r, b: INTEGER);
	BEGIN
	END Restore;

	PROCEDURE New* (): View;
	BEGIN
		RETURN NIL
	END New;

END BenchSizeView.
