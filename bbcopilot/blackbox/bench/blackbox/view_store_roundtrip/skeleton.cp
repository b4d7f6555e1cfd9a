MODULE BenchStoreView;

	IMPORT Fonts, Ports, Stores, Views;

	TYPE
		View* = POINTER TO RECORD (Views.View)
			label-: ARRAY 64 OF CHAR;
			count-: INTEGER;
			on-: BOOLEAN
		END;

	PROCEDURE (v: View) Externalize- (VAR wr: Stores.Writer);
	BEGIN
	END Externalize;

	PROCEDURE (v: View) Internalize- (VAR rd: Stores.Reader);
	BEGIN
	END Internalize;

	PROCEDURE (v: View) CopyFromSimpleView- (source: Views.View);
	BEGIN
	END CopyFromSimpleView;

	PROCEDURE (v: View) Restore* (f: Views.Frame; l, t, r, b: INTEGER);
	BEGIN
	END Restore;

	PROCEDURE New* (IN label: ARRAY OF CHAR; count: INTEGER; on: BOOLEAN): View;
	BEGIN
		RETURN NIL
	END New;

END BenchStoreView.
